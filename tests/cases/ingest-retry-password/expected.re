^ingest without password: 3$
^failed documents: 1$
^ingest with password: 0$
^ok pdf document for secret\.pdf: yes$
^The secret text\.$
^audit verify: 0$
