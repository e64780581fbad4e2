^enclave extract: cannot extract 'scan.pdf': cannot load tesseract language 'zzq': no zzq.traineddata in /.*tessdata/?$
^enclave extract: cannot extract 'scan.pdf': cannot load tesseract language 'zzq': no zzq.traineddata in /.*tessdata/?$
