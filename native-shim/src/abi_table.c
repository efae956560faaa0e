/*
 * abi_table.c - the scst_user/scst_event layout table as gcc computes it from userdisk_scst_abi.h.
 *
 * One line per item, with the C names:
 *   sizeof <struct> <bytes>
 *   field <struct>.<member> <offset> <size>      (members of anonymous unions named directly; flexible arrays size 0)
 *   ioctl <MACRO> 0x<8 lowercase hex digits>
 *   const <NAME> <decimal>
 * sorted in byte order (LC_ALL=C). The C# side (UserDisk.Scst.Interop.ScstAbiLayout) prints the same lines from its
 * structs; the tests require the two tables to be equal line for line (DESIGN.md, "The scst_user front end").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "userdisk_scst_abi.h"

enum item_kind { ITEM_SIZEOF, ITEM_FIELD, ITEM_FLEX, ITEM_IOCTL, ITEM_CONST };

struct item {
	enum item_kind kind;
	const char *type_name;
	const char *member;
	long long a; /* size, offset, request or value */
	long long b; /* member size */
};

#define USERDISK_SIZEOF(kw, s) { ITEM_SIZEOF, #s, NULL, (long long)sizeof(kw s), 0 }
#define USERDISK_FIELD(kw, s, m) \
	{ ITEM_FIELD, #s, #m, (long long)offsetof(kw s, m), (long long)sizeof(((kw s *)0)->m) }
#define USERDISK_FLEX(kw, s, m) { ITEM_FLEX, #s, #m, (long long)offsetof(kw s, m), 0 }
/* Requests are 32-bit _IOC values; unsigned so that bit 31 never sign-extends (§4). */
#define USERDISK_IOCTL(m) { ITEM_IOCTL, #m, NULL, (long long)(unsigned int)(m), 0 }
/* Works for macros and for enumerators alike (the real headers may use either). */
#define USERDISK_CONST(c) { ITEM_CONST, #c, NULL, (long long)(c), 0 }

static const struct item items[] = {
	USERDISK_SIZEOF(struct, scst_user_opt),
	USERDISK_FIELD(struct, scst_user_opt, parse_type),
	USERDISK_FIELD(struct, scst_user_opt, on_free_cmd_type),
	USERDISK_FIELD(struct, scst_user_opt, memory_reuse_type),
	USERDISK_FIELD(struct, scst_user_opt, partial_transfers_type),
	USERDISK_FIELD(struct, scst_user_opt, partial_len),
	USERDISK_FIELD(struct, scst_user_opt, tst),
	USERDISK_FIELD(struct, scst_user_opt, tmf_only),
	USERDISK_FIELD(struct, scst_user_opt, queue_alg),
	USERDISK_FIELD(struct, scst_user_opt, qerr),
	USERDISK_FIELD(struct, scst_user_opt, tas),
	USERDISK_FIELD(struct, scst_user_opt, swp),
	USERDISK_FIELD(struct, scst_user_opt, d_sense),
	USERDISK_FIELD(struct, scst_user_opt, has_own_order_mgmt),
	USERDISK_FIELD(struct, scst_user_opt, ext_copy_remap_supported),
	USERDISK_SIZEOF(struct, scst_user_dev_desc),
	USERDISK_FIELD(struct, scst_user_dev_desc, version_str),
	USERDISK_FIELD(struct, scst_user_dev_desc, license_str),
	USERDISK_FIELD(struct, scst_user_dev_desc, type),
	USERDISK_FIELD(struct, scst_user_dev_desc, sgv_shared),
	USERDISK_FIELD(struct, scst_user_dev_desc, sgv_disable_clustered_pool),
	USERDISK_FIELD(struct, scst_user_dev_desc, sgv_single_alloc_pages),
	USERDISK_FIELD(struct, scst_user_dev_desc, sgv_purge_interval),
	USERDISK_FIELD(struct, scst_user_dev_desc, opt),
	USERDISK_FIELD(struct, scst_user_dev_desc, block_size),
	USERDISK_FIELD(struct, scst_user_dev_desc, enable_pr_cmds_notifications),
	USERDISK_FIELD(struct, scst_user_dev_desc, name),
	USERDISK_FIELD(struct, scst_user_dev_desc, sgv_name),
	USERDISK_SIZEOF(struct, scst_user_sess),
	USERDISK_FIELD(struct, scst_user_sess, sess_h),
	USERDISK_FIELD(struct, scst_user_sess, lun),
	USERDISK_FIELD(struct, scst_user_sess, threads_num),
	USERDISK_FIELD(struct, scst_user_sess, rd_only),
	USERDISK_FIELD(struct, scst_user_sess, scsi_transport_version),
	USERDISK_FIELD(struct, scst_user_sess, phys_transport_version),
	USERDISK_FIELD(struct, scst_user_sess, initiator_name),
	USERDISK_FIELD(struct, scst_user_sess, target_name),
	USERDISK_SIZEOF(struct, scst_user_scsi_cmd_parse),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_parse, sess_h),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_parse, cdb),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_parse, cdb_len),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_parse, lba),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_parse, data_len),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_parse, bufflen),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_parse, out_bufflen),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_parse, timeout),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_parse, op_flags),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_parse, queue_type),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_parse, data_direction),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_parse, expected_values_set),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_parse, expected_data_direction),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_parse, expected_transfer_len),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_parse, expected_out_transfer_len),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_parse, sn),
	USERDISK_SIZEOF(struct, scst_user_scsi_cmd_alloc_mem),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_alloc_mem, sess_h),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_alloc_mem, cdb),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_alloc_mem, cdb_len),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_alloc_mem, alloc_len),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_alloc_mem, queue_type),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_alloc_mem, data_direction),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_alloc_mem, sn),
	USERDISK_SIZEOF(struct, scst_user_scsi_cmd_exec),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_exec, sess_h),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_exec, cdb),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_exec, cdb_len),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_exec, lba),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_exec, data_len),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_exec, bufflen),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_exec, alloc_len),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_exec, pbuf),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_exec, queue_type),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_exec, data_direction),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_exec, partial),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_exec, timeout),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_exec, p_out_buf),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_exec, out_bufflen),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_exec, sn),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_exec, parent_cmd_h),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_exec, parent_cmd_data_len),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_exec, partial_offset),
	USERDISK_SIZEOF(struct, scst_user_scsi_on_free_cmd),
	USERDISK_FIELD(struct, scst_user_scsi_on_free_cmd, pbuf),
	USERDISK_FIELD(struct, scst_user_scsi_on_free_cmd, resp_data_len),
	USERDISK_FIELD(struct, scst_user_scsi_on_free_cmd, buffer_cached),
	USERDISK_FIELD(struct, scst_user_scsi_on_free_cmd, aborted),
	USERDISK_FIELD(struct, scst_user_scsi_on_free_cmd, status),
	USERDISK_FIELD(struct, scst_user_scsi_on_free_cmd, delivery_status),
	USERDISK_SIZEOF(struct, scst_user_on_cached_mem_free),
	USERDISK_FIELD(struct, scst_user_on_cached_mem_free, pbuf),
	USERDISK_SIZEOF(struct, scst_user_tm),
	USERDISK_FIELD(struct, scst_user_tm, sess_h),
	USERDISK_FIELD(struct, scst_user_tm, fn),
	USERDISK_FIELD(struct, scst_user_tm, cmd_h_to_abort),
	USERDISK_FIELD(struct, scst_user_tm, cmd_sn),
	USERDISK_FIELD(struct, scst_user_tm, cmd_sn_set),
	USERDISK_SIZEOF(struct, scst_user_ext_copy_data_descr),
	USERDISK_FIELD(struct, scst_user_ext_copy_data_descr, src_lba),
	USERDISK_FIELD(struct, scst_user_ext_copy_data_descr, dst_lba),
	USERDISK_FIELD(struct, scst_user_ext_copy_data_descr, data_len),
	USERDISK_SIZEOF(struct, scst_user_ext_copy_remap),
	USERDISK_FIELD(struct, scst_user_ext_copy_remap, sess_h),
	USERDISK_FIELD(struct, scst_user_ext_copy_remap, src_sess_h),
	USERDISK_FIELD(struct, scst_user_ext_copy_remap, dst_sess_h),
	USERDISK_FIELD(struct, scst_user_ext_copy_remap, data_descr),
	USERDISK_SIZEOF(struct, scst_user_get_cmd),
	USERDISK_FIELD(struct, scst_user_get_cmd, cmd_h),
	USERDISK_FIELD(struct, scst_user_get_cmd, subcode),
	USERDISK_FIELD(struct, scst_user_get_cmd, preply),
	USERDISK_FIELD(struct, scst_user_get_cmd, sess),
	USERDISK_FIELD(struct, scst_user_get_cmd, parse_cmd),
	USERDISK_FIELD(struct, scst_user_get_cmd, alloc_cmd),
	USERDISK_FIELD(struct, scst_user_get_cmd, exec_cmd),
	USERDISK_FIELD(struct, scst_user_get_cmd, on_free_cmd),
	USERDISK_FIELD(struct, scst_user_get_cmd, on_cached_mem_free),
	USERDISK_FIELD(struct, scst_user_get_cmd, tm_cmd),
	USERDISK_FIELD(struct, scst_user_get_cmd, remap_cmd),
	USERDISK_SIZEOF(struct, scst_user_scsi_cmd_reply_parse),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_reply_parse, status),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_reply_parse, queue_type),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_reply_parse, data_direction),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_reply_parse, cdb_len),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_reply_parse, lba),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_reply_parse, data_len),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_reply_parse, bufflen),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_reply_parse, op_flags),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_reply_parse, out_bufflen),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_reply_parse, sense_len),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_reply_parse, psense_buffer),
	USERDISK_SIZEOF(struct, scst_user_scsi_cmd_reply_alloc_mem),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_reply_alloc_mem, pbuf),
	USERDISK_SIZEOF(struct, scst_user_data_descriptor),
	USERDISK_FIELD(struct, scst_user_data_descriptor, usdd_lba),
	USERDISK_FIELD(struct, scst_user_data_descriptor, usdd_blocks),
	USERDISK_SIZEOF(struct, scst_user_scsi_cmd_reply_exec),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_reply_exec, resp_data_len),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_reply_exec, pbuf),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_reply_exec, reply_type),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_reply_exec, status),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_reply_exec, sense_len),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_reply_exec, psense_buffer),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_reply_exec, ws_descriptors_len),
	USERDISK_FIELD(struct, scst_user_scsi_cmd_reply_exec, ws_descriptors),
	USERDISK_SIZEOF(struct, scst_user_ext_copy_reply_remap),
	USERDISK_FIELD(struct, scst_user_ext_copy_reply_remap, remap_descriptors),
	USERDISK_FIELD(struct, scst_user_ext_copy_reply_remap, remap_descriptors_len),
	USERDISK_FIELD(struct, scst_user_ext_copy_reply_remap, status),
	USERDISK_FIELD(struct, scst_user_ext_copy_reply_remap, sense_len),
	USERDISK_FIELD(struct, scst_user_ext_copy_reply_remap, psense_buffer),
	USERDISK_SIZEOF(struct, scst_user_reply_cmd),
	USERDISK_FIELD(struct, scst_user_reply_cmd, cmd_h),
	USERDISK_FIELD(struct, scst_user_reply_cmd, subcode),
	USERDISK_FIELD(struct, scst_user_reply_cmd, result),
	USERDISK_FIELD(struct, scst_user_reply_cmd, parse_reply),
	USERDISK_FIELD(struct, scst_user_reply_cmd, alloc_reply),
	USERDISK_FIELD(struct, scst_user_reply_cmd, exec_reply),
	USERDISK_FIELD(struct, scst_user_reply_cmd, remap_reply),
	USERDISK_SIZEOF(struct, scst_user_get_ext_cdb),
	USERDISK_FIELD(struct, scst_user_get_ext_cdb, cmd_h),
	USERDISK_FIELD(struct, scst_user_get_ext_cdb, ext_cdb_buffer),
	USERDISK_SIZEOF(struct, scst_user_prealloc_buffer_in),
	USERDISK_FIELD(struct, scst_user_prealloc_buffer_in, pbuf),
	USERDISK_FIELD(struct, scst_user_prealloc_buffer_in, bufflen),
	USERDISK_FIELD(struct, scst_user_prealloc_buffer_in, for_clust_pool),
	USERDISK_SIZEOF(struct, scst_user_prealloc_buffer_out),
	USERDISK_FIELD(struct, scst_user_prealloc_buffer_out, cmd_h),
	USERDISK_SIZEOF(union, scst_user_prealloc_buffer),
	USERDISK_FIELD(union, scst_user_prealloc_buffer, in),
	USERDISK_FIELD(union, scst_user_prealloc_buffer, out),
	USERDISK_SIZEOF(struct, scst_user_get_multi),
	USERDISK_FIELD(struct, scst_user_get_multi, preplies),
	USERDISK_FIELD(struct, scst_user_get_multi, replies_cnt),
	USERDISK_FIELD(struct, scst_user_get_multi, replies_done),
	USERDISK_FIELD(struct, scst_user_get_multi, cmds_cnt),
	USERDISK_FIELD(struct, scst_user_get_multi, pad),
	USERDISK_FLEX(struct, scst_user_get_multi, cmds),
	USERDISK_SIZEOF(struct, scst_event),
	USERDISK_FIELD(struct, scst_event, payload_len),
	USERDISK_FIELD(struct, scst_event, event_code),
	USERDISK_FIELD(struct, scst_event, event_id),
	USERDISK_FIELD(struct, scst_event, issuer_name),
	USERDISK_FLEX(struct, scst_event, payload),
	USERDISK_SIZEOF(struct, scst_event_user),
	USERDISK_FIELD(struct, scst_event_user, max_event_size),
	USERDISK_FIELD(struct, scst_event_user, out_event),
	USERDISK_SIZEOF(struct, scst_event_notify_done),
	USERDISK_FIELD(struct, scst_event_notify_done, event_id),
	USERDISK_FIELD(struct, scst_event_notify_done, status),
	USERDISK_SIZEOF(struct, scst_event_lun_not_found_payload),
	USERDISK_FIELD(struct, scst_event_lun_not_found_payload, lun),
	USERDISK_FIELD(struct, scst_event_lun_not_found_payload, initiator_name),
	USERDISK_FIELD(struct, scst_event_lun_not_found_payload, target_name),
	USERDISK_SIZEOF(struct, scst_event_negative_luns_inquiry_payload),
	USERDISK_FIELD(struct, scst_event_negative_luns_inquiry_payload, initiator_name),
	USERDISK_FIELD(struct, scst_event_negative_luns_inquiry_payload, target_name),
	USERDISK_SIZEOF(struct, scst_event_ext_blocking_done_payload),
	USERDISK_FIELD(struct, scst_event_ext_blocking_done_payload, device_name),
	USERDISK_FIELD(struct, scst_event_ext_blocking_done_payload, data_len),
	USERDISK_FLEX(struct, scst_event_ext_blocking_done_payload, data),
	USERDISK_SIZEOF(struct, scst_event_tm_fn_received_payload),
	USERDISK_FIELD(struct, scst_event_tm_fn_received_payload, fn),
	USERDISK_FIELD(struct, scst_event_tm_fn_received_payload, lun),
	USERDISK_FIELD(struct, scst_event_tm_fn_received_payload, device_name),
	USERDISK_FIELD(struct, scst_event_tm_fn_received_payload, initiator_name),
	USERDISK_FIELD(struct, scst_event_tm_fn_received_payload, target_name),
	USERDISK_FIELD(struct, scst_event_tm_fn_received_payload, session_sysfs_name),
	USERDISK_FIELD(struct, scst_event_tm_fn_received_payload, cmd_to_abort_tag),
	USERDISK_FIELD(struct, scst_event_tm_fn_received_payload, cdb),
	USERDISK_SIZEOF(struct, scst_event_stpg_descr),
	USERDISK_FIELD(struct, scst_event_stpg_descr, group_id),
	USERDISK_FIELD(struct, scst_event_stpg_descr, prev_state),
	USERDISK_FIELD(struct, scst_event_stpg_descr, new_state),
	USERDISK_FIELD(struct, scst_event_stpg_descr, dg_name),
	USERDISK_FIELD(struct, scst_event_stpg_descr, tg_name),
	USERDISK_SIZEOF(struct, scst_event_stpg_payload),
	USERDISK_FIELD(struct, scst_event_stpg_payload, stpg_cmd_tag),
	USERDISK_FIELD(struct, scst_event_stpg_payload, device_name),
	USERDISK_FIELD(struct, scst_event_stpg_payload, stpg_descriptors_cnt),
	USERDISK_FLEX(struct, scst_event_stpg_payload, stpg_descriptors),
	USERDISK_SIZEOF(struct, scst_event_reg_vdev_payload),
	USERDISK_FIELD(struct, scst_event_reg_vdev_payload, device_name),
	USERDISK_IOCTL(SCST_USER_REGISTER_DEVICE),
	USERDISK_IOCTL(SCST_USER_UNREGISTER_DEVICE),
	USERDISK_IOCTL(SCST_USER_SET_OPTIONS),
	USERDISK_IOCTL(SCST_USER_GET_OPTIONS),
	USERDISK_IOCTL(SCST_USER_REPLY_AND_GET_CMD),
	USERDISK_IOCTL(SCST_USER_REPLY_CMD),
	USERDISK_IOCTL(SCST_USER_FLUSH_CACHE),
	USERDISK_IOCTL(SCST_USER_DEVICE_CAPACITY_CHANGED),
	USERDISK_IOCTL(SCST_USER_GET_EXTENDED_CDB),
	USERDISK_IOCTL(SCST_USER_PREALLOC_BUFFER),
	USERDISK_IOCTL(SCST_USER_REPLY_AND_GET_MULTI),
	USERDISK_IOCTL(SCST_USER_ATTACH_SESS),
	USERDISK_IOCTL(SCST_USER_DETACH_SESS),
	USERDISK_IOCTL(SCST_USER_PARSE),
	USERDISK_IOCTL(SCST_USER_ALLOC_MEM),
	USERDISK_IOCTL(SCST_USER_EXEC),
	USERDISK_IOCTL(SCST_USER_ON_FREE_CMD),
	USERDISK_IOCTL(SCST_USER_ON_CACHED_MEM_FREE),
	USERDISK_IOCTL(SCST_USER_EXT_COPY_REMAP),
	USERDISK_IOCTL(SCST_USER_TASK_MGMT_RECEIVED),
	USERDISK_IOCTL(SCST_USER_TASK_MGMT_DONE),
	USERDISK_IOCTL(SCST_EVENT_ALLOW_EVENT),
	USERDISK_IOCTL(SCST_EVENT_DISALLOW_EVENT),
	USERDISK_IOCTL(SCST_EVENT_GET_NEXT_EVENT),
	USERDISK_IOCTL(SCST_EVENT_NOTIFY_DONE),
	USERDISK_CONST(SCST_DATA_UNKNOWN),
	USERDISK_CONST(SCST_DATA_WRITE),
	USERDISK_CONST(SCST_DATA_READ),
	USERDISK_CONST(SCST_DATA_BIDI),
	USERDISK_CONST(SCST_DATA_NONE),
	USERDISK_CONST(SCST_CMD_QUEUE_UNTAGGED),
	USERDISK_CONST(SCST_CMD_QUEUE_SIMPLE),
	USERDISK_CONST(SCST_CMD_QUEUE_ORDERED),
	USERDISK_CONST(SCST_CMD_QUEUE_HEAD_OF_QUEUE),
	USERDISK_CONST(SCST_CMD_QUEUE_ACA),
	USERDISK_CONST(SCST_ABORT_TASK),
	USERDISK_CONST(SCST_ABORT_TASK_SET),
	USERDISK_CONST(SCST_CLEAR_ACA),
	USERDISK_CONST(SCST_CLEAR_TASK_SET),
	USERDISK_CONST(SCST_LUN_RESET),
	USERDISK_CONST(SCST_TARGET_RESET),
	USERDISK_CONST(SCST_NEXUS_LOSS_SESS),
	USERDISK_CONST(SCST_ABORT_ALL_TASKS_SESS),
	USERDISK_CONST(SCST_NEXUS_LOSS),
	USERDISK_CONST(SCST_ABORT_ALL_TASKS),
	USERDISK_CONST(SCST_UNREG_SESS_TM),
	USERDISK_CONST(SCST_PR_ABORT_ALL),
	USERDISK_CONST(SCST_MGMT_STATUS_SUCCESS),
	USERDISK_CONST(SCST_MGMT_STATUS_TASK_NOT_EXIST),
	USERDISK_CONST(SCST_MGMT_STATUS_LUN_NOT_EXIST),
	USERDISK_CONST(SCST_MGMT_STATUS_FN_NOT_SUPPORTED),
	USERDISK_CONST(SCST_MGMT_STATUS_REJECTED),
	USERDISK_CONST(SCST_MGMT_STATUS_FAILED),
	USERDISK_CONST(SCST_MGMT_STATUS_RECEIVED_STAGE_COMPLETED),
	USERDISK_CONST(SCST_USER_PARSE_STANDARD),
	USERDISK_CONST(SCST_USER_PARSE_CALL),
	USERDISK_CONST(SCST_USER_PARSE_EXCEPTION),
	USERDISK_CONST(SCST_USER_ON_FREE_CMD_CALL),
	USERDISK_CONST(SCST_USER_ON_FREE_CMD_IGNORE),
	USERDISK_CONST(SCST_USER_MEM_NO_REUSE),
	USERDISK_CONST(SCST_USER_MEM_REUSE_READ),
	USERDISK_CONST(SCST_USER_MEM_REUSE_WRITE),
	USERDISK_CONST(SCST_USER_MEM_REUSE_ALL),
	USERDISK_CONST(SCST_USER_PARTIAL_TRANSFERS_NOT_SUPPORTED),
	USERDISK_CONST(SCST_USER_PARTIAL_TRANSFERS_SUPPORTED_ORDERED),
	USERDISK_CONST(SCST_USER_PARTIAL_TRANSFERS_SUPPORTED),
	USERDISK_CONST(SCST_EXEC_REPLY_BACKGROUND),
	USERDISK_CONST(SCST_EXEC_REPLY_COMPLETED),
	USERDISK_CONST(SCST_EXEC_REPLY_DO_WRITE_SAME),
	USERDISK_CONST(SCST_TST_0_SINGLE_TASK_SET),
	USERDISK_CONST(SCST_TST_1_SEP_TASK_SETS),
	USERDISK_CONST(SCST_QUEUE_ALG_0_RESTRICTED_REORDER),
	USERDISK_CONST(SCST_QUEUE_ALG_1_UNRESTRICTED_REORDER),
	USERDISK_CONST(SCST_QERR_0_ALL_RESUME),
	USERDISK_CONST(SCST_QERR_1_ABORT_ALL),
	USERDISK_CONST(SCST_QERR_2_RESERVED),
	USERDISK_CONST(SCST_QERR_3_ABORT_THIS_NEXUS_ONLY),
	USERDISK_CONST(SCST_D_SENSE_0_FIXED_SENSE),
	USERDISK_CONST(SCST_D_SENSE_1_DESCR_SENSE),
	USERDISK_CONST(SCST_CMD_DELIVERY_SUCCESS),
	USERDISK_CONST(SCST_CMD_DELIVERY_FAILED),
	USERDISK_CONST(SCST_CMD_DELIVERY_ABORTED),
	USERDISK_CONST(SCST_SMALL_TIMEOUT),
	USERDISK_CONST(SCST_LONG_TIMEOUT),
	USERDISK_CONST(SCST_TRANSFER_LEN_TYPE_FIXED),
	USERDISK_CONST(SCST_UNKNOWN_LBA),
	USERDISK_CONST(SCST_UNKNOWN_LENGTH),
	USERDISK_CONST(SCST_INFO_VALID),
	USERDISK_CONST(SCST_LBA_NOT_VALID),
	USERDISK_CONST(SCST_IMPLICIT_HQ),
	USERDISK_CONST(SCST_SKIP_UA),
	USERDISK_CONST(SCST_WRITE_MEDIUM),
	USERDISK_CONST(SCST_LOCAL_CMD),
	USERDISK_CONST(SCST_FULLY_LOCAL_CMD),
	USERDISK_CONST(SCST_REG_RESERVE_ALLOWED),
	USERDISK_CONST(SCST_WRITE_EXCL_ALLOWED),
	USERDISK_CONST(SCST_EXCL_ACCESS_ALLOWED),
	USERDISK_CONST(SCST_SERIALIZED),
	USERDISK_CONST(SCST_STRICTLY_SERIALIZED),
	USERDISK_CONST(SCST_CAN_GEN_3PARTY_COMMANDS),
	USERDISK_CONST(SCST_DESCRIPTORS_BASED),
	USERDISK_CONST(SCST_SCSI_ATOMIC),
	USERDISK_CONST(UCMD_STATE_NEW),
	USERDISK_CONST(UCMD_STATE_PARSING),
	USERDISK_CONST(UCMD_STATE_BUF_ALLOCING),
	USERDISK_CONST(UCMD_STATE_EXECING),
	USERDISK_CONST(UCMD_STATE_ON_FREEING),
	USERDISK_CONST(UCMD_STATE_ON_CACHE_FREEING),
	USERDISK_CONST(UCMD_STATE_EXT_COPY_REMAPPING),
	USERDISK_CONST(UCMD_STATE_ON_FREE_SKIPPED),
	USERDISK_CONST(UCMD_STATE_TM_RECEIVED_EXECING),
	USERDISK_CONST(UCMD_STATE_TM_DONE_EXECING),
	USERDISK_CONST(UCMD_STATE_ATTACH_SESS),
	USERDISK_CONST(UCMD_STATE_DETACH_SESS),
	USERDISK_CONST(SCST_EVENT_LUN_NOT_FOUND),
	USERDISK_CONST(SCST_EVENT_NEGATIVE_LUNS_INQUIRY),
	USERDISK_CONST(SCST_EVENT_EXT_BLOCKING_DONE),
	USERDISK_CONST(SCST_EVENT_TM_FN_RECEIVED),
	USERDISK_CONST(SCST_EVENT_STPG_USER_INVOKE),
	USERDISK_CONST(SCST_EVENT_REG_VIRT_DEV),
	USERDISK_CONST(SCST_MAX_CDB_SIZE),
	USERDISK_CONST(SCST_MAX_LONG_CDB_SIZE),
	USERDISK_CONST(SCST_MAX_NAME),
	USERDISK_CONST(SCST_MAX_EXTERNAL_NAME),
	USERDISK_CONST(SCST_MAX_LUN),
	USERDISK_CONST(SCST_STANDARD_SENSE_LEN),
	USERDISK_CONST(SCST_SENSE_BUFFERSIZE),
};

#define ITEM_COUNT (sizeof(items) / sizeof(items[0]))
#define LINE_MAX_BYTES 160

static int format_item(const struct item *it, char *line)
{
	switch (it->kind) {
	case ITEM_SIZEOF:
		return snprintf(line, LINE_MAX_BYTES, "sizeof %s %lld", it->type_name, it->a);
	case ITEM_FIELD:
	case ITEM_FLEX:
		return snprintf(line, LINE_MAX_BYTES, "field %s.%s %lld %lld", it->type_name, it->member, it->a, it->b);
	case ITEM_IOCTL:
		return snprintf(line, LINE_MAX_BYTES, "ioctl %s 0x%08llx", it->type_name, it->a);
	case ITEM_CONST:
		return snprintf(line, LINE_MAX_BYTES, "const %s %lld", it->type_name, it->a);
	}
	return -1;
}

static int compare_lines(const void *x, const void *y)
{
	/* strcmp compares as unsigned char: the LC_ALL=C byte order. */
	return strcmp((const char *)x, (const char *)y);
}

/*
 * Writes the sorted table, one '\n'-terminated line per item, into buf (at most len bytes including the final NUL;
 * buf may be NULL when len is 0). Returns the table's length without the NUL, like snprintf, so a caller can ask
 * for the size first; returns -1 if a line could not be formatted or memory ran out.
 */
__attribute__((visibility("default"))) int userdisk_abi_table(char *buf, int len)
{
	char(*lines)[LINE_MAX_BYTES] = calloc(ITEM_COUNT, LINE_MAX_BYTES);
	if (lines == NULL)
		return -1;

	for (size_t i = 0; i < ITEM_COUNT; i++) {
		int n = format_item(&items[i], lines[i]);
		if (n < 0 || n >= LINE_MAX_BYTES) {
			free(lines);
			return -1;
		}
	}
	qsort(lines, ITEM_COUNT, LINE_MAX_BYTES, compare_lines);

	int total = 0;
	for (size_t i = 0; i < ITEM_COUNT; i++) {
		int n = (int)strlen(lines[i]);
		for (int k = 0; k <= n; k++) {
			char c = k < n ? lines[i][k] : '\n';
			if (buf != NULL && total + k < len - 1)
				buf[total + k] = c;
		}
		total += n + 1;
	}
	if (buf != NULL && len > 0)
		buf[total < len - 1 ? total : len - 1] = '\0';

	free(lines);
	return total;
}
