no-such-file\.txt.*No such file or directory
^ingested 2 files: 1 ok, 1 failed, 0 already present$
no-such-file\.txt.*No such file or directory
^ingested 2 files: .*1 failed
