The second page is only a scanned image
^run: ocr auto lang eng dpi 200 models [12]$
