^enclave export: 'out' is not empty$
