^first: 3$
^second: 3$
^failed documents: [0-9]+$
