^initialised an enclave project in 'proj'$
^enclave init: '.*/proj' is already an enclave project$
^enclave init: '.*/proj' is already an enclave project$
^initialised an enclave project in 'newdir'$
