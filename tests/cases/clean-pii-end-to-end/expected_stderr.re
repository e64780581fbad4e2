^cleaned 1 document: 1 scanned, 0 failed, 1 redacted; 3 spans
