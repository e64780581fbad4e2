^usage: enclave \[-C DIR\] COMMAND \[ARGS\]$
^  init +create a project$
^  ingest +
^  extract +
^  ls +
^  show +
^  export +
^  audit +
enclave --help
