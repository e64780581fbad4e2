^enclave reveal: cannot reveal the token at byte 8: wrong key or changed token$
