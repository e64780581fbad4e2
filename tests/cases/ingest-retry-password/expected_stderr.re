^ingested 1 file: 1 ok, 0 failed, 0 already present$
