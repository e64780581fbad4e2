^enclave extract: cannot extract 'empty\.txt': empty file$
