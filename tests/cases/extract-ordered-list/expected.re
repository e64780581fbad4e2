^1\. First step$
^2\. Second step$
^7\. Seventh$
^----$
^1\. Read the guide$
^2\. Ask questions$
