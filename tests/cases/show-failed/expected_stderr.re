^enclave show: document 2 failed to ingest: cannot extract '.*/junk\.bin': unsupported type
^enclave show: no document 99$
^enclave show: give one document id$
