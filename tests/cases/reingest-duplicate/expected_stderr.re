^enclave ingest: failed: cannot extract '.*/empty\.txt': empty file$
^ingested 2 files: 1 ok, 1 failed, 0 already present$
^ingested 1 file: 0 ok, 0 failed, 1 already present$
^ingested 1 file: 0 ok, 0 failed, 1 already present$
