^enclave ingest: --ocr is auto, always or never$
^enclave ingest: --lang takes tesseract language names joined by '\+' \(eng, eng\+deu\)$
^enclave ingest: --dpi takes a number from 72 to 1200$
^enclave ingest: --timeout takes a number of seconds above 0$
^enclave extract: --dpi takes a number from 72 to 1200$
^enclave extract: --lang takes
^enclave extract: --timeout takes
^enclave extract: --jobs takes a number from 1 to 64$
