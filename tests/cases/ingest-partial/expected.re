^ingest: 3$
^\{"path":"good1\.txt","status":"ok","document":1,"error":null\}$
^\{"path":"broken\.pdf","status":"failed","document":2,"error":"cannot extract 'broken\.pdf': [^"]+"\}$
^\{"path":"good2\.html","status":"ok","document":3,"error":null\}$
^-- stderr$
^enclave ingest: failed: cannot extract 'broken\.pdf': .+
^ingested 3 files: 2 ok, 1 failed, 0 already present$
^-- ls$
^1 good1\.txt ok text 1 -$
^2 broken\.pdf failed None 0 error$
^3 good2\.html ok html 2 -$
