^The quick brown fox jumps over the lazy dog$
^scan.json pages \[\('ocr', True, True\)\]$
^bad blocks 0 True$
^models \['ocr_model_path'(, 'ocr_osd_model_path')?\] eng$
^rotated.json pages \[\('ocr', True, True\)\]$
^bad blocks 0 True$
^upsidedown.json pages \[\('ocr', True, True\)\]$
^bad blocks 0 True$
^models \['ocr_model_path', 'ocr_osd_model_path'\] eng$
