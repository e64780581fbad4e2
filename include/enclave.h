/*
 * Enclave: the umbrella header. Include this, or one module header.
 */
#ifndef ENCLAVE_H
#define ENCLAVE_H

#include "enclave/common.h"
#include "enclave/doc.h"
#include "enclave/project.h"
#include "enclave/store.h"
#include "enclave/audit.h"
#include "enclave/ingest.h"
#include "enclave/clean.h"
#include "enclave/export.h"
#include "enclave/pii.h"
#include "enclave/redact.h"
#include "enclave/ner.h"
#include "enclave/label.h"
#include "enclave/llm.h"
#include "enclave/augment.h"
#include "enclave/split.h"

#endif
