/*
 * GMime (email.c) and libgsf (ole.c) through a table of function pointers
 * filled by dlopen on first use (mime_dl.c says why), as ocr_dl.h does for
 * Tesseract. A file that calls them includes this header instead of theirs
 * and calls them by their usual names: the macros below turn
 * `g_object_unref(o)` into `(*mime_dl.g_object_unref)(o)`, with the
 * libraries' own prototypes, so the compiler checks every call. The GLib
 * type macros (GMIME_IS_PART, GSF_INFILE, G_OBJECT...) expand to calls of
 * g_type_check_instance_* and of the *_get_type functions, which are in the
 * table too.
 *
 * Call mime_dl_gmime() before any GMime call and mime_dl_gsf() before any
 * libgsf call, once per entry point: nothing here works before them. The
 * GLib and GObject functions work after either.
 *
 * A function used from a new place is added to the list of its library,
 * and given its macro at the bottom.
 */
#ifndef ENCLAVE_MIME_DL_H
#define ENCLAVE_MIME_DL_H

#include <gmime/gmime.h>
#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-infile.h>
#include <gsf/gsf-input-memory.h>
#include <gsf/gsf-outfile-msole.h>
#include <gsf/gsf-outfile.h>
#include <gsf/gsf-output-memory.h>
#include <gsf/gsf-utils.h>

#include "ingest_int.h"

/* The GLib and GObject functions email.c and ole.c call (macros included). */
#define MIME_DL_GOBJECT(X)            \
	X(g_ascii_strcasecmp)         \
	X(g_clear_error)              \
	X(g_date_time_format)         \
	X(g_free)                     \
	X(g_log_set_handler)          \
	X(g_object_unref)             \
	X(g_type_check_instance_cast) \
	X(g_type_check_instance_is_a)

/* The GMime functions email.c calls. */
#define MIME_DL_GMIME(X)                                       \
	X(g_mime_charset_iconv_name)                           \
	X(g_mime_content_type_get_media_subtype)               \
	X(g_mime_content_type_get_media_type)                  \
	X(g_mime_content_type_is_type)                         \
	X(g_mime_data_wrapper_write_to_stream)                 \
	X(g_mime_init)                                         \
	X(g_mime_message_get_bcc)                              \
	X(g_mime_message_get_cc)                               \
	X(g_mime_message_get_date)                             \
	X(g_mime_message_get_from)                             \
	X(g_mime_message_get_message_id)                       \
	X(g_mime_message_get_mime_part)                        \
	X(g_mime_message_get_reply_to)                         \
	X(g_mime_message_get_sender)                           \
	X(g_mime_message_get_subject)                          \
	X(g_mime_message_get_to)                               \
	X(g_mime_message_part_get_message)                     \
	X(g_mime_message_part_get_type)                        \
	X(g_mime_message_partial_get_type)                     \
	X(g_mime_multipart_encrypted_get_type)                 \
	X(g_mime_multipart_get_count)                          \
	X(g_mime_multipart_get_part)                           \
	X(g_mime_multipart_get_type)                           \
	X(g_mime_multipart_signed_get_type)                    \
	X(g_mime_object_get_content_disposition_parameter)     \
	X(g_mime_object_get_content_type)                      \
	X(g_mime_object_get_content_type_parameter)            \
	X(g_mime_object_get_disposition)                       \
	X(g_mime_object_get_header)                            \
	X(g_mime_object_get_type)                              \
	X(g_mime_object_write_to_stream)                       \
	X(g_mime_parser_construct_message)                     \
	X(g_mime_parser_eos)                                   \
	X(g_mime_parser_get_headers_begin)                     \
	X(g_mime_parser_new_with_stream)                       \
	X(g_mime_parser_options_free)                          \
	X(g_mime_parser_options_new)                           \
	X(g_mime_parser_options_set_address_compliance_mode)   \
	X(g_mime_parser_options_set_parameter_compliance_mode) \
	X(g_mime_parser_options_set_rfc2047_compliance_mode)   \
	X(g_mime_parser_set_format)                            \
	X(g_mime_parser_tell)                                  \
	X(g_mime_part_get_content)                             \
	X(g_mime_part_get_filename)                            \
	X(g_mime_part_get_type)                                \
	X(g_mime_stream_mem_get_byte_array)                    \
	X(g_mime_stream_mem_get_type)                          \
	X(g_mime_stream_mem_new)                               \
	X(g_mime_stream_mem_new_with_buffer)                   \
	X(internet_address_list_length)                        \
	X(internet_address_list_to_string)

/* The libgsf functions ole.c calls. */
#define MIME_DL_GSF(X)                 \
	X(gsf_infile_child_by_index)   \
	X(gsf_infile_child_by_name)    \
	X(gsf_infile_get_type)         \
	X(gsf_infile_msole_new)        \
	X(gsf_infile_name_by_index)    \
	X(gsf_infile_num_children)     \
	X(gsf_init)                    \
	X(gsf_input_memory_new)        \
	X(gsf_input_read)              \
	X(gsf_input_size)              \
	X(gsf_outfile_get_type)        \
	X(gsf_outfile_msole_new)       \
	X(gsf_outfile_new_child)       \
	X(gsf_output_close)            \
	X(gsf_output_get_type)         \
	X(gsf_output_memory_get_bytes) \
	X(gsf_output_memory_get_type)  \
	X(gsf_output_memory_new)       \
	X(gsf_output_size)             \
	X(gsf_output_write)

/* Their addresses, each with the type of the function it stands for. */
struct mime_dl {
#define MIME_DL_FIELD(name) __typeof__(name) *name;
	MIME_DL_GOBJECT(MIME_DL_FIELD)
	MIME_DL_GMIME(MIME_DL_FIELD)
	MIME_DL_GSF(MIME_DL_FIELD)
#undef MIME_DL_FIELD
};

/* Each part filled once by the loaders below, read-only after. */
extern struct mime_dl mime_dl;

/*
 * Load GMime (and GObject) once per process; later calls are cheap. Returns
 * 0, or ENCLAVE_EUNSUPPORTED "e-mail reading is unavailable: cannot load
 * ..." when it is not installed or lacks a symbol, every time.
 */
int mime_dl_gmime(void);

/*
 * Load libgsf (and GObject) once per process. Returns 0, or
 * ENCLAVE_EUNSUPPORTED "reading OLE files (doc, xls, ppt, msg) is
 * unavailable: ..." as mime_dl_gmime() does.
 */
int mime_dl_gsf(void);

#ifndef MIME_DL_NO_MACROS
#define g_ascii_strcasecmp (*mime_dl.g_ascii_strcasecmp)
#define g_clear_error (*mime_dl.g_clear_error)
#define g_date_time_format (*mime_dl.g_date_time_format)
#define g_free (*mime_dl.g_free)
#define g_log_set_handler (*mime_dl.g_log_set_handler)
#define g_object_unref (*mime_dl.g_object_unref)
#define g_type_check_instance_cast (*mime_dl.g_type_check_instance_cast)
#define g_type_check_instance_is_a (*mime_dl.g_type_check_instance_is_a)
#define g_mime_charset_iconv_name (*mime_dl.g_mime_charset_iconv_name)
#define g_mime_content_type_get_media_subtype (*mime_dl.g_mime_content_type_get_media_subtype)
#define g_mime_content_type_get_media_type (*mime_dl.g_mime_content_type_get_media_type)
#define g_mime_content_type_is_type (*mime_dl.g_mime_content_type_is_type)
#define g_mime_data_wrapper_write_to_stream (*mime_dl.g_mime_data_wrapper_write_to_stream)
#define g_mime_init (*mime_dl.g_mime_init)
#define g_mime_message_get_bcc (*mime_dl.g_mime_message_get_bcc)
#define g_mime_message_get_cc (*mime_dl.g_mime_message_get_cc)
#define g_mime_message_get_date (*mime_dl.g_mime_message_get_date)
#define g_mime_message_get_from (*mime_dl.g_mime_message_get_from)
#define g_mime_message_get_message_id (*mime_dl.g_mime_message_get_message_id)
#define g_mime_message_get_mime_part (*mime_dl.g_mime_message_get_mime_part)
#define g_mime_message_get_reply_to (*mime_dl.g_mime_message_get_reply_to)
#define g_mime_message_get_sender (*mime_dl.g_mime_message_get_sender)
#define g_mime_message_get_subject (*mime_dl.g_mime_message_get_subject)
#define g_mime_message_get_to (*mime_dl.g_mime_message_get_to)
#define g_mime_message_part_get_message (*mime_dl.g_mime_message_part_get_message)
#define g_mime_message_part_get_type (*mime_dl.g_mime_message_part_get_type)
#define g_mime_message_partial_get_type (*mime_dl.g_mime_message_partial_get_type)
#define g_mime_multipart_encrypted_get_type (*mime_dl.g_mime_multipart_encrypted_get_type)
#define g_mime_multipart_get_count (*mime_dl.g_mime_multipart_get_count)
#define g_mime_multipart_get_part (*mime_dl.g_mime_multipart_get_part)
#define g_mime_multipart_get_type (*mime_dl.g_mime_multipart_get_type)
#define g_mime_multipart_signed_get_type (*mime_dl.g_mime_multipart_signed_get_type)
#define g_mime_object_get_content_disposition_parameter \
	(*mime_dl.g_mime_object_get_content_disposition_parameter)
#define g_mime_object_get_content_type (*mime_dl.g_mime_object_get_content_type)
#define g_mime_object_get_content_type_parameter (*mime_dl.g_mime_object_get_content_type_parameter)
#define g_mime_object_get_disposition (*mime_dl.g_mime_object_get_disposition)
#define g_mime_object_get_header (*mime_dl.g_mime_object_get_header)
#define g_mime_object_get_type (*mime_dl.g_mime_object_get_type)
#define g_mime_object_write_to_stream (*mime_dl.g_mime_object_write_to_stream)
#define g_mime_parser_construct_message (*mime_dl.g_mime_parser_construct_message)
#define g_mime_parser_eos (*mime_dl.g_mime_parser_eos)
#define g_mime_parser_get_headers_begin (*mime_dl.g_mime_parser_get_headers_begin)
#define g_mime_parser_new_with_stream (*mime_dl.g_mime_parser_new_with_stream)
#define g_mime_parser_options_free (*mime_dl.g_mime_parser_options_free)
#define g_mime_parser_options_new (*mime_dl.g_mime_parser_options_new)
#define g_mime_parser_options_set_address_compliance_mode \
	(*mime_dl.g_mime_parser_options_set_address_compliance_mode)
#define g_mime_parser_options_set_parameter_compliance_mode \
	(*mime_dl.g_mime_parser_options_set_parameter_compliance_mode)
#define g_mime_parser_options_set_rfc2047_compliance_mode \
	(*mime_dl.g_mime_parser_options_set_rfc2047_compliance_mode)
#define g_mime_parser_set_format (*mime_dl.g_mime_parser_set_format)
#define g_mime_parser_tell (*mime_dl.g_mime_parser_tell)
#define g_mime_part_get_content (*mime_dl.g_mime_part_get_content)
#define g_mime_part_get_filename (*mime_dl.g_mime_part_get_filename)
#define g_mime_part_get_type (*mime_dl.g_mime_part_get_type)
#define g_mime_stream_mem_get_byte_array (*mime_dl.g_mime_stream_mem_get_byte_array)
#define g_mime_stream_mem_get_type (*mime_dl.g_mime_stream_mem_get_type)
#define g_mime_stream_mem_new (*mime_dl.g_mime_stream_mem_new)
#define g_mime_stream_mem_new_with_buffer (*mime_dl.g_mime_stream_mem_new_with_buffer)
#define internet_address_list_length (*mime_dl.internet_address_list_length)
#define internet_address_list_to_string (*mime_dl.internet_address_list_to_string)
#define gsf_infile_child_by_index (*mime_dl.gsf_infile_child_by_index)
#define gsf_infile_child_by_name (*mime_dl.gsf_infile_child_by_name)
#define gsf_infile_get_type (*mime_dl.gsf_infile_get_type)
#define gsf_infile_msole_new (*mime_dl.gsf_infile_msole_new)
#define gsf_infile_name_by_index (*mime_dl.gsf_infile_name_by_index)
#define gsf_infile_num_children (*mime_dl.gsf_infile_num_children)
#define gsf_init (*mime_dl.gsf_init)
#define gsf_input_memory_new (*mime_dl.gsf_input_memory_new)
#define gsf_input_read (*mime_dl.gsf_input_read)
#define gsf_input_size (*mime_dl.gsf_input_size)
#define gsf_outfile_get_type (*mime_dl.gsf_outfile_get_type)
#define gsf_outfile_msole_new (*mime_dl.gsf_outfile_msole_new)
#define gsf_outfile_new_child (*mime_dl.gsf_outfile_new_child)
#define gsf_output_close (*mime_dl.gsf_output_close)
#define gsf_output_get_type (*mime_dl.gsf_output_get_type)
#define gsf_output_memory_get_bytes (*mime_dl.gsf_output_memory_get_bytes)
#define gsf_output_memory_get_type (*mime_dl.gsf_output_memory_get_type)
#define gsf_output_memory_new (*mime_dl.gsf_output_memory_new)
#define gsf_output_size (*mime_dl.gsf_output_size)
#define gsf_output_write (*mime_dl.gsf_output_write)
#endif

#endif
