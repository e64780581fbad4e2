reveal needs --key-file or a project
--key-file 'short.hex': a key is 64 hex digits
