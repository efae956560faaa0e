/*
 * userdisk_scst_abi_asserts.h - the numbers of /work/shared/ABI-SCST-USER.md (§4, §5, §6, §9.1-9.3, §17) as
 * compile-time checks. Included at the end of userdisk_scst_abi.h, so they are checked both against the project's
 * own declarations and, with SCST_INCLUDE=DIR, against the system's SCST headers.
 * Transcribed from the sheet's tables, not computed from the declarations: a disagreement fails the build.
 */
#ifndef USERDISK_SCST_ABI_ASSERTS_H
#define USERDISK_SCST_ABI_ASSERTS_H

#define USERDISK_ASSERT_LAYOUT(tag, size, align) \
	_Static_assert(sizeof(tag) == (size), "sizeof " #tag); \
	_Static_assert(_Alignof(tag) == (align), "_Alignof " #tag)
#define USERDISK_ASSERT_FIELD(tag, member, offset, size) \
	_Static_assert(offsetof(tag, member) == (offset), "offsetof " #tag "." #member); \
	_Static_assert(sizeof(((tag *)0)->member) == (size), "sizeof " #tag "." #member)
/* A flexible array member has an offset but no size. */
#define USERDISK_ASSERT_FLEX(tag, member, offset) \
	_Static_assert(offsetof(tag, member) == (offset), "offsetof " #tag "." #member)
#define USERDISK_ASSERT_IOCTL(macro, value) _Static_assert((macro) == (value), #macro)
#define USERDISK_ASSERT_CONST(name, value) _Static_assert((name) == (value), #name)

/* §6.1 */
USERDISK_ASSERT_LAYOUT(struct scst_user_opt, 20, 4);
USERDISK_ASSERT_FIELD(struct scst_user_opt, parse_type, 0, 1);
USERDISK_ASSERT_FIELD(struct scst_user_opt, on_free_cmd_type, 1, 1);
USERDISK_ASSERT_FIELD(struct scst_user_opt, memory_reuse_type, 2, 1);
USERDISK_ASSERT_FIELD(struct scst_user_opt, partial_transfers_type, 3, 1);
USERDISK_ASSERT_FIELD(struct scst_user_opt, partial_len, 4, 4);
USERDISK_ASSERT_FIELD(struct scst_user_opt, tst, 8, 1);
USERDISK_ASSERT_FIELD(struct scst_user_opt, tmf_only, 9, 1);
USERDISK_ASSERT_FIELD(struct scst_user_opt, queue_alg, 10, 1);
USERDISK_ASSERT_FIELD(struct scst_user_opt, qerr, 11, 1);
USERDISK_ASSERT_FIELD(struct scst_user_opt, tas, 12, 1);
USERDISK_ASSERT_FIELD(struct scst_user_opt, swp, 13, 1);
USERDISK_ASSERT_FIELD(struct scst_user_opt, d_sense, 14, 1);
USERDISK_ASSERT_FIELD(struct scst_user_opt, has_own_order_mgmt, 15, 1);
USERDISK_ASSERT_FIELD(struct scst_user_opt, ext_copy_remap_supported, 16, 1);
/* §6.2 */
USERDISK_ASSERT_LAYOUT(struct scst_user_dev_desc, 160, 8);
USERDISK_ASSERT_FIELD(struct scst_user_dev_desc, version_str, 0, 8);
USERDISK_ASSERT_FIELD(struct scst_user_dev_desc, license_str, 8, 8);
USERDISK_ASSERT_FIELD(struct scst_user_dev_desc, type, 16, 1);
USERDISK_ASSERT_FIELD(struct scst_user_dev_desc, sgv_shared, 17, 1);
USERDISK_ASSERT_FIELD(struct scst_user_dev_desc, sgv_disable_clustered_pool, 18, 1);
USERDISK_ASSERT_FIELD(struct scst_user_dev_desc, sgv_single_alloc_pages, 20, 4);
USERDISK_ASSERT_FIELD(struct scst_user_dev_desc, sgv_purge_interval, 24, 4);
USERDISK_ASSERT_FIELD(struct scst_user_dev_desc, opt, 28, 20);
USERDISK_ASSERT_FIELD(struct scst_user_dev_desc, block_size, 48, 4);
USERDISK_ASSERT_FIELD(struct scst_user_dev_desc, enable_pr_cmds_notifications, 52, 1);
USERDISK_ASSERT_FIELD(struct scst_user_dev_desc, name, 53, 50);
USERDISK_ASSERT_FIELD(struct scst_user_dev_desc, sgv_name, 103, 50);
/* §6.4 */
USERDISK_ASSERT_LAYOUT(struct scst_user_sess, 536, 8);
USERDISK_ASSERT_FIELD(struct scst_user_sess, sess_h, 0, 8);
USERDISK_ASSERT_FIELD(struct scst_user_sess, lun, 8, 8);
USERDISK_ASSERT_FIELD(struct scst_user_sess, threads_num, 16, 2);
USERDISK_ASSERT_FIELD(struct scst_user_sess, rd_only, 18, 1);
USERDISK_ASSERT_FIELD(struct scst_user_sess, scsi_transport_version, 20, 2);
USERDISK_ASSERT_FIELD(struct scst_user_sess, phys_transport_version, 22, 2);
USERDISK_ASSERT_FIELD(struct scst_user_sess, initiator_name, 24, 256);
USERDISK_ASSERT_FIELD(struct scst_user_sess, target_name, 280, 256);
/* §6.5 */
USERDISK_ASSERT_LAYOUT(struct scst_user_scsi_cmd_parse, 80, 8);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_parse, sess_h, 0, 8);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_parse, cdb, 8, 16);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_parse, cdb_len, 24, 2);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_parse, lba, 32, 8);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_parse, data_len, 40, 8);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_parse, bufflen, 48, 4);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_parse, out_bufflen, 52, 4);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_parse, timeout, 56, 4);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_parse, op_flags, 60, 4);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_parse, queue_type, 64, 1);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_parse, data_direction, 65, 1);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_parse, expected_values_set, 66, 1);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_parse, expected_data_direction, 67, 1);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_parse, expected_transfer_len, 68, 4);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_parse, expected_out_transfer_len, 72, 4);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_parse, sn, 76, 4);
/* §6.6 */
USERDISK_ASSERT_LAYOUT(struct scst_user_scsi_cmd_alloc_mem, 40, 8);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_alloc_mem, sess_h, 0, 8);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_alloc_mem, cdb, 8, 16);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_alloc_mem, cdb_len, 24, 2);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_alloc_mem, alloc_len, 28, 4);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_alloc_mem, queue_type, 32, 1);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_alloc_mem, data_direction, 33, 1);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_alloc_mem, sn, 36, 4);
/* §6.7 */
USERDISK_ASSERT_LAYOUT(struct scst_user_scsi_cmd_exec, 104, 8);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_exec, sess_h, 0, 8);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_exec, cdb, 8, 16);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_exec, cdb_len, 24, 2);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_exec, lba, 32, 8);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_exec, data_len, 40, 8);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_exec, bufflen, 48, 4);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_exec, alloc_len, 52, 4);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_exec, pbuf, 56, 8);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_exec, queue_type, 64, 1);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_exec, data_direction, 65, 1);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_exec, partial, 66, 1);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_exec, timeout, 68, 4);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_exec, p_out_buf, 72, 8);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_exec, out_bufflen, 80, 4);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_exec, sn, 84, 4);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_exec, parent_cmd_h, 88, 4);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_exec, parent_cmd_data_len, 92, 4);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_exec, partial_offset, 96, 4);
/* §6.8 */
USERDISK_ASSERT_LAYOUT(struct scst_user_scsi_on_free_cmd, 16, 8);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_on_free_cmd, pbuf, 0, 8);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_on_free_cmd, resp_data_len, 8, 4);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_on_free_cmd, buffer_cached, 12, 1);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_on_free_cmd, aborted, 13, 1);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_on_free_cmd, status, 14, 1);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_on_free_cmd, delivery_status, 15, 1);
/* §6.9 */
USERDISK_ASSERT_LAYOUT(struct scst_user_on_cached_mem_free, 8, 8);
USERDISK_ASSERT_FIELD(struct scst_user_on_cached_mem_free, pbuf, 0, 8);
/* §6.9 */
USERDISK_ASSERT_LAYOUT(struct scst_user_tm, 24, 8);
USERDISK_ASSERT_FIELD(struct scst_user_tm, sess_h, 0, 8);
USERDISK_ASSERT_FIELD(struct scst_user_tm, fn, 8, 4);
USERDISK_ASSERT_FIELD(struct scst_user_tm, cmd_h_to_abort, 12, 4);
USERDISK_ASSERT_FIELD(struct scst_user_tm, cmd_sn, 16, 4);
USERDISK_ASSERT_FIELD(struct scst_user_tm, cmd_sn_set, 20, 1);
/* §6.9 */
USERDISK_ASSERT_LAYOUT(struct scst_user_ext_copy_data_descr, 24, 8);
USERDISK_ASSERT_FIELD(struct scst_user_ext_copy_data_descr, src_lba, 0, 8);
USERDISK_ASSERT_FIELD(struct scst_user_ext_copy_data_descr, dst_lba, 8, 8);
USERDISK_ASSERT_FIELD(struct scst_user_ext_copy_data_descr, data_len, 16, 4);
/* §6.9 */
USERDISK_ASSERT_LAYOUT(struct scst_user_ext_copy_remap, 48, 8);
USERDISK_ASSERT_FIELD(struct scst_user_ext_copy_remap, sess_h, 0, 8);
USERDISK_ASSERT_FIELD(struct scst_user_ext_copy_remap, src_sess_h, 8, 8);
USERDISK_ASSERT_FIELD(struct scst_user_ext_copy_remap, dst_sess_h, 16, 8);
USERDISK_ASSERT_FIELD(struct scst_user_ext_copy_remap, data_descr, 24, 24);
/* §6.3 */
USERDISK_ASSERT_LAYOUT(struct scst_user_get_cmd, 544, 8);
USERDISK_ASSERT_FIELD(struct scst_user_get_cmd, cmd_h, 0, 4);
USERDISK_ASSERT_FIELD(struct scst_user_get_cmd, subcode, 4, 4);
USERDISK_ASSERT_FIELD(struct scst_user_get_cmd, preply, 8, 8);
USERDISK_ASSERT_FIELD(struct scst_user_get_cmd, sess, 8, 536);
USERDISK_ASSERT_FIELD(struct scst_user_get_cmd, parse_cmd, 8, 80);
USERDISK_ASSERT_FIELD(struct scst_user_get_cmd, alloc_cmd, 8, 40);
USERDISK_ASSERT_FIELD(struct scst_user_get_cmd, exec_cmd, 8, 104);
USERDISK_ASSERT_FIELD(struct scst_user_get_cmd, on_free_cmd, 8, 16);
USERDISK_ASSERT_FIELD(struct scst_user_get_cmd, on_cached_mem_free, 8, 8);
USERDISK_ASSERT_FIELD(struct scst_user_get_cmd, tm_cmd, 8, 24);
USERDISK_ASSERT_FIELD(struct scst_user_get_cmd, remap_cmd, 8, 48);
/* §6.11 */
USERDISK_ASSERT_LAYOUT(struct scst_user_scsi_cmd_reply_parse, 48, 8);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_reply_parse, status, 0, 1);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_reply_parse, queue_type, 8, 1);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_reply_parse, data_direction, 9, 1);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_reply_parse, cdb_len, 10, 2);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_reply_parse, lba, 16, 8);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_reply_parse, data_len, 24, 8);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_reply_parse, bufflen, 32, 4);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_reply_parse, op_flags, 36, 4);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_reply_parse, out_bufflen, 40, 4);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_reply_parse, sense_len, 8, 1);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_reply_parse, psense_buffer, 16, 8);
/* §6.12 */
USERDISK_ASSERT_LAYOUT(struct scst_user_scsi_cmd_reply_alloc_mem, 8, 8);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_reply_alloc_mem, pbuf, 0, 8);
/* §6.9 */
USERDISK_ASSERT_LAYOUT(struct scst_user_data_descriptor, 16, 8);
USERDISK_ASSERT_FIELD(struct scst_user_data_descriptor, usdd_lba, 0, 8);
USERDISK_ASSERT_FIELD(struct scst_user_data_descriptor, usdd_blocks, 8, 8);
/* §6.13 */
USERDISK_ASSERT_LAYOUT(struct scst_user_scsi_cmd_reply_exec, 40, 8);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_reply_exec, resp_data_len, 0, 4);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_reply_exec, pbuf, 8, 8);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_reply_exec, reply_type, 16, 1);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_reply_exec, status, 17, 1);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_reply_exec, sense_len, 24, 1);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_reply_exec, psense_buffer, 32, 8);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_reply_exec, ws_descriptors_len, 24, 2);
USERDISK_ASSERT_FIELD(struct scst_user_scsi_cmd_reply_exec, ws_descriptors, 32, 8);
/* §6.14 */
USERDISK_ASSERT_LAYOUT(struct scst_user_ext_copy_reply_remap, 24, 8);
USERDISK_ASSERT_FIELD(struct scst_user_ext_copy_reply_remap, remap_descriptors, 0, 8);
USERDISK_ASSERT_FIELD(struct scst_user_ext_copy_reply_remap, remap_descriptors_len, 8, 2);
USERDISK_ASSERT_FIELD(struct scst_user_ext_copy_reply_remap, status, 10, 1);
USERDISK_ASSERT_FIELD(struct scst_user_ext_copy_reply_remap, sense_len, 11, 1);
USERDISK_ASSERT_FIELD(struct scst_user_ext_copy_reply_remap, psense_buffer, 16, 8);
/* §6.10 */
USERDISK_ASSERT_LAYOUT(struct scst_user_reply_cmd, 56, 8);
USERDISK_ASSERT_FIELD(struct scst_user_reply_cmd, cmd_h, 0, 4);
USERDISK_ASSERT_FIELD(struct scst_user_reply_cmd, subcode, 4, 4);
USERDISK_ASSERT_FIELD(struct scst_user_reply_cmd, result, 8, 4);
USERDISK_ASSERT_FIELD(struct scst_user_reply_cmd, parse_reply, 8, 48);
USERDISK_ASSERT_FIELD(struct scst_user_reply_cmd, alloc_reply, 8, 8);
USERDISK_ASSERT_FIELD(struct scst_user_reply_cmd, exec_reply, 8, 40);
USERDISK_ASSERT_FIELD(struct scst_user_reply_cmd, remap_reply, 8, 24);
/* §6.9 */
USERDISK_ASSERT_LAYOUT(struct scst_user_get_ext_cdb, 16, 8);
USERDISK_ASSERT_FIELD(struct scst_user_get_ext_cdb, cmd_h, 0, 4);
USERDISK_ASSERT_FIELD(struct scst_user_get_ext_cdb, ext_cdb_buffer, 8, 8);
/* §6.9 */
USERDISK_ASSERT_LAYOUT(struct scst_user_prealloc_buffer_in, 16, 8);
USERDISK_ASSERT_FIELD(struct scst_user_prealloc_buffer_in, pbuf, 0, 8);
USERDISK_ASSERT_FIELD(struct scst_user_prealloc_buffer_in, bufflen, 8, 4);
USERDISK_ASSERT_FIELD(struct scst_user_prealloc_buffer_in, for_clust_pool, 12, 1);
/* §6.9 */
USERDISK_ASSERT_LAYOUT(struct scst_user_prealloc_buffer_out, 4, 4);
USERDISK_ASSERT_FIELD(struct scst_user_prealloc_buffer_out, cmd_h, 0, 4);
/* §6.9 */
USERDISK_ASSERT_LAYOUT(union scst_user_prealloc_buffer, 16, 8);
USERDISK_ASSERT_FIELD(union scst_user_prealloc_buffer, in, 0, 16);
USERDISK_ASSERT_FIELD(union scst_user_prealloc_buffer, out, 0, 4);
/* §6.9 */
USERDISK_ASSERT_LAYOUT(struct scst_user_get_multi, 16, 8);
USERDISK_ASSERT_FIELD(struct scst_user_get_multi, preplies, 0, 8);
USERDISK_ASSERT_FIELD(struct scst_user_get_multi, replies_cnt, 8, 2);
USERDISK_ASSERT_FIELD(struct scst_user_get_multi, replies_done, 10, 2);
USERDISK_ASSERT_FIELD(struct scst_user_get_multi, cmds_cnt, 12, 2);
USERDISK_ASSERT_FIELD(struct scst_user_get_multi, pad, 14, 2);
USERDISK_ASSERT_FLEX(struct scst_user_get_multi, cmds, 16);
/* §9.2 */
USERDISK_ASSERT_LAYOUT(struct scst_event, 64, 4);
USERDISK_ASSERT_FIELD(struct scst_event, payload_len, 0, 4);
USERDISK_ASSERT_FIELD(struct scst_event, event_code, 4, 4);
USERDISK_ASSERT_FIELD(struct scst_event, event_id, 8, 4);
USERDISK_ASSERT_FIELD(struct scst_event, issuer_name, 12, 50);
USERDISK_ASSERT_FLEX(struct scst_event, payload, 62);
/* §9.2 */
USERDISK_ASSERT_LAYOUT(struct scst_event_user, 68, 4);
USERDISK_ASSERT_FIELD(struct scst_event_user, max_event_size, 0, 4);
USERDISK_ASSERT_FIELD(struct scst_event_user, out_event, 4, 64);
/* §9.2 */
USERDISK_ASSERT_LAYOUT(struct scst_event_notify_done, 8, 4);
USERDISK_ASSERT_FIELD(struct scst_event_notify_done, event_id, 0, 4);
USERDISK_ASSERT_FIELD(struct scst_event_notify_done, status, 4, 4);
/* §9.3 */
USERDISK_ASSERT_LAYOUT(struct scst_event_lun_not_found_payload, 520, 8);
USERDISK_ASSERT_FIELD(struct scst_event_lun_not_found_payload, lun, 0, 8);
USERDISK_ASSERT_FIELD(struct scst_event_lun_not_found_payload, initiator_name, 8, 256);
USERDISK_ASSERT_FIELD(struct scst_event_lun_not_found_payload, target_name, 264, 256);
/* §9.3 */
USERDISK_ASSERT_LAYOUT(struct scst_event_negative_luns_inquiry_payload, 512, 1);
USERDISK_ASSERT_FIELD(struct scst_event_negative_luns_inquiry_payload, initiator_name, 0, 256);
USERDISK_ASSERT_FIELD(struct scst_event_negative_luns_inquiry_payload, target_name, 256, 256);
/* §9.3 */
USERDISK_ASSERT_LAYOUT(struct scst_event_ext_blocking_done_payload, 260, 4);
USERDISK_ASSERT_FIELD(struct scst_event_ext_blocking_done_payload, device_name, 0, 256);
USERDISK_ASSERT_FIELD(struct scst_event_ext_blocking_done_payload, data_len, 256, 4);
USERDISK_ASSERT_FLEX(struct scst_event_ext_blocking_done_payload, data, 260);
/* §9.3 */
USERDISK_ASSERT_LAYOUT(struct scst_event_tm_fn_received_payload, 1064, 8);
USERDISK_ASSERT_FIELD(struct scst_event_tm_fn_received_payload, fn, 0, 4);
USERDISK_ASSERT_FIELD(struct scst_event_tm_fn_received_payload, lun, 8, 8);
USERDISK_ASSERT_FIELD(struct scst_event_tm_fn_received_payload, device_name, 16, 256);
USERDISK_ASSERT_FIELD(struct scst_event_tm_fn_received_payload, initiator_name, 272, 256);
USERDISK_ASSERT_FIELD(struct scst_event_tm_fn_received_payload, target_name, 528, 256);
USERDISK_ASSERT_FIELD(struct scst_event_tm_fn_received_payload, session_sysfs_name, 784, 256);
USERDISK_ASSERT_FIELD(struct scst_event_tm_fn_received_payload, cmd_to_abort_tag, 1040, 8);
USERDISK_ASSERT_FIELD(struct scst_event_tm_fn_received_payload, cdb, 1048, 16);
/* §9.3 */
USERDISK_ASSERT_LAYOUT(struct scst_event_stpg_descr, 194, 2);
USERDISK_ASSERT_FIELD(struct scst_event_stpg_descr, group_id, 0, 2);
USERDISK_ASSERT_FIELD(struct scst_event_stpg_descr, prev_state, 2, 32);
USERDISK_ASSERT_FIELD(struct scst_event_stpg_descr, new_state, 34, 32);
USERDISK_ASSERT_FIELD(struct scst_event_stpg_descr, dg_name, 66, 64);
USERDISK_ASSERT_FIELD(struct scst_event_stpg_descr, tg_name, 130, 64);
/* §9.3 */
USERDISK_ASSERT_LAYOUT(struct scst_event_stpg_payload, 80, 8);
USERDISK_ASSERT_FIELD(struct scst_event_stpg_payload, stpg_cmd_tag, 0, 8);
USERDISK_ASSERT_FIELD(struct scst_event_stpg_payload, device_name, 8, 64);
USERDISK_ASSERT_FIELD(struct scst_event_stpg_payload, stpg_descriptors_cnt, 72, 2);
USERDISK_ASSERT_FLEX(struct scst_event_stpg_payload, stpg_descriptors, 74);
/* §9.3 */
USERDISK_ASSERT_LAYOUT(struct scst_event_reg_vdev_payload, 60, 1);
USERDISK_ASSERT_FIELD(struct scst_event_reg_vdev_payload, device_name, 0, 60);

/* §4, §5, §9.1 request and subcode values. */
USERDISK_ASSERT_IOCTL(SCST_USER_REGISTER_DEVICE, 0x40A07501U);
USERDISK_ASSERT_IOCTL(SCST_USER_UNREGISTER_DEVICE, 0x00007502U);
USERDISK_ASSERT_IOCTL(SCST_USER_SET_OPTIONS, 0x40147503U);
USERDISK_ASSERT_IOCTL(SCST_USER_GET_OPTIONS, 0x80147504U);
USERDISK_ASSERT_IOCTL(SCST_USER_REPLY_AND_GET_CMD, 0xC2207505U);
USERDISK_ASSERT_IOCTL(SCST_USER_REPLY_CMD, 0x40387506U);
USERDISK_ASSERT_IOCTL(SCST_USER_FLUSH_CACHE, 0x00007507U);
USERDISK_ASSERT_IOCTL(SCST_USER_DEVICE_CAPACITY_CHANGED, 0x00007508U);
USERDISK_ASSERT_IOCTL(SCST_USER_GET_EXTENDED_CDB, 0xC0107509U);
USERDISK_ASSERT_IOCTL(SCST_USER_PREALLOC_BUFFER, 0xC010750AU);
USERDISK_ASSERT_IOCTL(SCST_USER_REPLY_AND_GET_MULTI, 0xC010750BU);
USERDISK_ASSERT_IOCTL(SCST_USER_ATTACH_SESS, 0x82187320U);
USERDISK_ASSERT_IOCTL(SCST_USER_DETACH_SESS, 0x82187321U);
USERDISK_ASSERT_IOCTL(SCST_USER_PARSE, 0xC0507301U);
USERDISK_ASSERT_IOCTL(SCST_USER_ALLOC_MEM, 0xC0287302U);
USERDISK_ASSERT_IOCTL(SCST_USER_EXEC, 0xC0687303U);
USERDISK_ASSERT_IOCTL(SCST_USER_ON_FREE_CMD, 0x80107304U);
USERDISK_ASSERT_IOCTL(SCST_USER_ON_CACHED_MEM_FREE, 0x80087305U);
USERDISK_ASSERT_IOCTL(SCST_USER_EXT_COPY_REMAP, 0xC0307306U);
USERDISK_ASSERT_IOCTL(SCST_USER_TASK_MGMT_RECEIVED, 0xC0187308U);
USERDISK_ASSERT_IOCTL(SCST_USER_TASK_MGMT_DONE, 0xC0187309U);
USERDISK_ASSERT_IOCTL(SCST_EVENT_ALLOW_EVENT, 0x40407501U);
USERDISK_ASSERT_IOCTL(SCST_EVENT_DISALLOW_EVENT, 0x40407502U);
USERDISK_ASSERT_IOCTL(SCST_EVENT_GET_NEXT_EVENT, 0xC0447503U);
USERDISK_ASSERT_IOCTL(SCST_EVENT_NOTIFY_DONE, 0x40087504U);

/* §5, §7, §9.3 constants. */
USERDISK_ASSERT_CONST(SCST_DATA_UNKNOWN, 0);
USERDISK_ASSERT_CONST(SCST_DATA_WRITE, 1);
USERDISK_ASSERT_CONST(SCST_DATA_READ, 2);
USERDISK_ASSERT_CONST(SCST_DATA_BIDI, 3);
USERDISK_ASSERT_CONST(SCST_DATA_NONE, 4);
USERDISK_ASSERT_CONST(SCST_CMD_QUEUE_UNTAGGED, 0);
USERDISK_ASSERT_CONST(SCST_CMD_QUEUE_SIMPLE, 1);
USERDISK_ASSERT_CONST(SCST_CMD_QUEUE_ORDERED, 2);
USERDISK_ASSERT_CONST(SCST_CMD_QUEUE_HEAD_OF_QUEUE, 3);
USERDISK_ASSERT_CONST(SCST_CMD_QUEUE_ACA, 4);
USERDISK_ASSERT_CONST(SCST_ABORT_TASK, 0);
USERDISK_ASSERT_CONST(SCST_ABORT_TASK_SET, 1);
USERDISK_ASSERT_CONST(SCST_CLEAR_ACA, 2);
USERDISK_ASSERT_CONST(SCST_CLEAR_TASK_SET, 3);
USERDISK_ASSERT_CONST(SCST_LUN_RESET, 4);
USERDISK_ASSERT_CONST(SCST_TARGET_RESET, 5);
USERDISK_ASSERT_CONST(SCST_NEXUS_LOSS_SESS, 6);
USERDISK_ASSERT_CONST(SCST_ABORT_ALL_TASKS_SESS, 7);
USERDISK_ASSERT_CONST(SCST_NEXUS_LOSS, 8);
USERDISK_ASSERT_CONST(SCST_ABORT_ALL_TASKS, 9);
USERDISK_ASSERT_CONST(SCST_UNREG_SESS_TM, 10);
USERDISK_ASSERT_CONST(SCST_PR_ABORT_ALL, 11);
USERDISK_ASSERT_CONST(SCST_MGMT_STATUS_SUCCESS, 0);
USERDISK_ASSERT_CONST(SCST_MGMT_STATUS_TASK_NOT_EXIST, -1);
USERDISK_ASSERT_CONST(SCST_MGMT_STATUS_LUN_NOT_EXIST, -2);
USERDISK_ASSERT_CONST(SCST_MGMT_STATUS_FN_NOT_SUPPORTED, -5);
USERDISK_ASSERT_CONST(SCST_MGMT_STATUS_REJECTED, -255);
USERDISK_ASSERT_CONST(SCST_MGMT_STATUS_FAILED, -129);
USERDISK_ASSERT_CONST(SCST_MGMT_STATUS_RECEIVED_STAGE_COMPLETED, 200);
USERDISK_ASSERT_CONST(SCST_USER_PARSE_STANDARD, 0);
USERDISK_ASSERT_CONST(SCST_USER_PARSE_CALL, 1);
USERDISK_ASSERT_CONST(SCST_USER_PARSE_EXCEPTION, 2);
USERDISK_ASSERT_CONST(SCST_USER_ON_FREE_CMD_CALL, 0);
USERDISK_ASSERT_CONST(SCST_USER_ON_FREE_CMD_IGNORE, 1);
USERDISK_ASSERT_CONST(SCST_USER_MEM_NO_REUSE, 0);
USERDISK_ASSERT_CONST(SCST_USER_MEM_REUSE_READ, 1);
USERDISK_ASSERT_CONST(SCST_USER_MEM_REUSE_WRITE, 2);
USERDISK_ASSERT_CONST(SCST_USER_MEM_REUSE_ALL, 3);
USERDISK_ASSERT_CONST(SCST_USER_PARTIAL_TRANSFERS_NOT_SUPPORTED, 0);
USERDISK_ASSERT_CONST(SCST_USER_PARTIAL_TRANSFERS_SUPPORTED_ORDERED, 1);
USERDISK_ASSERT_CONST(SCST_USER_PARTIAL_TRANSFERS_SUPPORTED, 2);
USERDISK_ASSERT_CONST(SCST_EXEC_REPLY_BACKGROUND, 0);
USERDISK_ASSERT_CONST(SCST_EXEC_REPLY_COMPLETED, 1);
USERDISK_ASSERT_CONST(SCST_EXEC_REPLY_DO_WRITE_SAME, 2);
USERDISK_ASSERT_CONST(SCST_TST_0_SINGLE_TASK_SET, 0);
USERDISK_ASSERT_CONST(SCST_TST_1_SEP_TASK_SETS, 1);
USERDISK_ASSERT_CONST(SCST_QUEUE_ALG_0_RESTRICTED_REORDER, 0);
USERDISK_ASSERT_CONST(SCST_QUEUE_ALG_1_UNRESTRICTED_REORDER, 1);
USERDISK_ASSERT_CONST(SCST_QERR_0_ALL_RESUME, 0);
USERDISK_ASSERT_CONST(SCST_QERR_1_ABORT_ALL, 1);
USERDISK_ASSERT_CONST(SCST_QERR_2_RESERVED, 2);
USERDISK_ASSERT_CONST(SCST_QERR_3_ABORT_THIS_NEXUS_ONLY, 3);
USERDISK_ASSERT_CONST(SCST_D_SENSE_0_FIXED_SENSE, 0);
USERDISK_ASSERT_CONST(SCST_D_SENSE_1_DESCR_SENSE, 1);
USERDISK_ASSERT_CONST(SCST_CMD_DELIVERY_SUCCESS, 0);
USERDISK_ASSERT_CONST(SCST_CMD_DELIVERY_FAILED, -1);
USERDISK_ASSERT_CONST(SCST_CMD_DELIVERY_ABORTED, -2);
USERDISK_ASSERT_CONST(SCST_SMALL_TIMEOUT, 1);
USERDISK_ASSERT_CONST(SCST_LONG_TIMEOUT, 2);
USERDISK_ASSERT_CONST(SCST_TRANSFER_LEN_TYPE_FIXED, 4);
USERDISK_ASSERT_CONST(SCST_UNKNOWN_LBA, 8);
USERDISK_ASSERT_CONST(SCST_UNKNOWN_LENGTH, 16);
USERDISK_ASSERT_CONST(SCST_INFO_VALID, 32);
USERDISK_ASSERT_CONST(SCST_LBA_NOT_VALID, 64);
USERDISK_ASSERT_CONST(SCST_IMPLICIT_HQ, 128);
USERDISK_ASSERT_CONST(SCST_SKIP_UA, 256);
USERDISK_ASSERT_CONST(SCST_WRITE_MEDIUM, 512);
USERDISK_ASSERT_CONST(SCST_LOCAL_CMD, 1024);
USERDISK_ASSERT_CONST(SCST_FULLY_LOCAL_CMD, 2048);
USERDISK_ASSERT_CONST(SCST_REG_RESERVE_ALLOWED, 4096);
USERDISK_ASSERT_CONST(SCST_WRITE_EXCL_ALLOWED, 8192);
USERDISK_ASSERT_CONST(SCST_EXCL_ACCESS_ALLOWED, 16384);
USERDISK_ASSERT_CONST(SCST_SERIALIZED, 65536);
USERDISK_ASSERT_CONST(SCST_STRICTLY_SERIALIZED, 196608);
USERDISK_ASSERT_CONST(SCST_CAN_GEN_3PARTY_COMMANDS, 262144);
USERDISK_ASSERT_CONST(SCST_DESCRIPTORS_BASED, 524288);
USERDISK_ASSERT_CONST(SCST_SCSI_ATOMIC, 1048576);
USERDISK_ASSERT_CONST(UCMD_STATE_NEW, 0);
USERDISK_ASSERT_CONST(UCMD_STATE_PARSING, 1);
USERDISK_ASSERT_CONST(UCMD_STATE_BUF_ALLOCING, 2);
USERDISK_ASSERT_CONST(UCMD_STATE_EXECING, 3);
USERDISK_ASSERT_CONST(UCMD_STATE_ON_FREEING, 4);
USERDISK_ASSERT_CONST(UCMD_STATE_ON_CACHE_FREEING, 5);
USERDISK_ASSERT_CONST(UCMD_STATE_EXT_COPY_REMAPPING, 6);
USERDISK_ASSERT_CONST(UCMD_STATE_ON_FREE_SKIPPED, 7);
USERDISK_ASSERT_CONST(UCMD_STATE_TM_RECEIVED_EXECING, 8);
USERDISK_ASSERT_CONST(UCMD_STATE_TM_DONE_EXECING, 9);
USERDISK_ASSERT_CONST(UCMD_STATE_ATTACH_SESS, 32);
USERDISK_ASSERT_CONST(UCMD_STATE_DETACH_SESS, 33);
USERDISK_ASSERT_CONST(SCST_EVENT_LUN_NOT_FOUND, 1);
USERDISK_ASSERT_CONST(SCST_EVENT_NEGATIVE_LUNS_INQUIRY, 2);
USERDISK_ASSERT_CONST(SCST_EVENT_EXT_BLOCKING_DONE, 3);
USERDISK_ASSERT_CONST(SCST_EVENT_TM_FN_RECEIVED, 4);
USERDISK_ASSERT_CONST(SCST_EVENT_STPG_USER_INVOKE, 5);
USERDISK_ASSERT_CONST(SCST_EVENT_REG_VIRT_DEV, 6);
USERDISK_ASSERT_CONST(SCST_MAX_CDB_SIZE, 16);
USERDISK_ASSERT_CONST(SCST_MAX_LONG_CDB_SIZE, 65536);
USERDISK_ASSERT_CONST(SCST_MAX_NAME, 50);
USERDISK_ASSERT_CONST(SCST_MAX_EXTERNAL_NAME, 256);
USERDISK_ASSERT_CONST(SCST_MAX_LUN, 16383);
USERDISK_ASSERT_CONST(SCST_STANDARD_SENSE_LEN, 18);
USERDISK_ASSERT_CONST(SCST_SENSE_BUFFERSIZE, 252);

#endif /* USERDISK_SCST_ABI_ASSERTS_H */
