^enclave extract: cannot read 'no-such-file\.txt': No such file or directory$
