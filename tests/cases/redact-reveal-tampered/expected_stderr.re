cannot reveal the token at byte [0-9]+: wrong key or changed token
