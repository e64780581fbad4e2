^enclave extract: cannot extract 'junk\.bin': unsupported type: 
