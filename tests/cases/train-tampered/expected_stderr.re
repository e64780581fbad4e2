^enclave train: refusing the model 'm.model': its SHA-256 is [0-9a-f]{64}, expected [0-9a-f]{64}$
