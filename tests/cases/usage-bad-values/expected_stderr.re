xlsx
see 'enclave export --help'
64 hex digits
see 'enclave audit --help'
