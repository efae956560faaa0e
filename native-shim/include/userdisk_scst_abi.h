/*
 * userdisk_scst_abi.h - UserDisk's own C declaration of the scst_user and scst_event kernel ABI (x86_64, LP64).
 *
 * Written from /work/shared/ABI-SCST-USER.md (the project's fact sheet), section numbers cited below. It is
 * not a copy of SCST's headers: names follow the sheet so that the same identifiers also exist in SCST's
 * scst_user.h / scst_event.h / scst_const.h, which lets this file check itself against them:
 *
 *   - Normal build: this file declares every structure, ioctl request and constant itself.
 *   - Built with -DUSERDISK_SCST_INCLUDE (the Makefile's SCST_INCLUDE=DIR option adds -IDIR and this define):
 *     the declarations come from the system's SCST headers instead, and the static assertions at the end of
 *     this file (the sheet's numbers) are compiled against them. On an SCST host this proves the sheet, the
 *     C# structs (which the tests compare with the table built from this header) and the kernel agree.
 *
 * Every size, alignment, offset and ioctl value listed by the sheet is a _Static_assert below.
 */
#ifndef USERDISK_SCST_ABI_H
#define USERDISK_SCST_ABI_H

#include <stddef.h>
#include <stdint.h>
#include <linux/ioctl.h>

#ifdef USERDISK_SCST_INCLUDE

#include <linux/types.h>
#include <scst_const.h>
#include <scst_user.h>
#include <scst_event.h>

#else /* !USERDISK_SCST_INCLUDE: the project's own declarations */

/* §6: "aligned_u64/aligned_i64 are 8-byte aligned 64-bit integers"; user pointers travel in them too. */
typedef uint64_t userdisk_aligned_u64 __attribute__((aligned(8)));
typedef int64_t userdisk_aligned_i64 __attribute__((aligned(8)));

/* §2 device nodes, §9.3 issuer of every core event. */
#define DEV_USER_NAME "scst_user"
#define DEV_USER_PATH "/dev/"
#define SCST_EVENT_DEV "/dev/scst_event"
#define SCST_EVENT_SCST_CORE_ISSUER "SCST core"

/* §7.7 sizes and limits. */
#define SCST_MAX_CDB_SIZE 16
#define SCST_MAX_LONG_CDB_SIZE 65536
#define SCST_MAX_NAME 50
#define SCST_MAX_EXTERNAL_NAME 256
#define SCST_MAX_LUN 16383
#define SCST_STANDARD_SENSE_LEN 18
#define SCST_SENSE_BUFFERSIZE 252

/* §7.1 data direction (bit-mask style: dir & 2 means "has data-in"). */
#define SCST_DATA_UNKNOWN 0
#define SCST_DATA_WRITE 1
#define SCST_DATA_READ 2
#define SCST_DATA_BIDI 3
#define SCST_DATA_NONE 4

/* §7.2 task attribute. */
#define SCST_CMD_QUEUE_UNTAGGED 0
#define SCST_CMD_QUEUE_SIMPLE 1
#define SCST_CMD_QUEUE_ORDERED 2
#define SCST_CMD_QUEUE_HEAD_OF_QUEUE 3
#define SCST_CMD_QUEUE_ACA 4

/* §7.3 task management functions (tm_cmd.fn). */
#define SCST_ABORT_TASK 0
#define SCST_ABORT_TASK_SET 1
#define SCST_CLEAR_ACA 2
#define SCST_CLEAR_TASK_SET 3
#define SCST_LUN_RESET 4
#define SCST_TARGET_RESET 5
#define SCST_NEXUS_LOSS_SESS 6
#define SCST_ABORT_ALL_TASKS_SESS 7
#define SCST_NEXUS_LOSS 8
#define SCST_ABORT_ALL_TASKS 9
#define SCST_UNREG_SESS_TM 10
#define SCST_PR_ABORT_ALL 11

/* §7.4 TM result codes (reply.result of TASK_MGMT_DONE). */
#define SCST_MGMT_STATUS_SUCCESS 0
#define SCST_MGMT_STATUS_TASK_NOT_EXIST -1
#define SCST_MGMT_STATUS_LUN_NOT_EXIST -2
#define SCST_MGMT_STATUS_FN_NOT_SUPPORTED -5
#define SCST_MGMT_STATUS_REJECTED -255
#define SCST_MGMT_STATUS_FAILED -129
#define SCST_MGMT_STATUS_RECEIVED_STAGE_COMPLETED 200

/* §7.5 options and reply types. */
#define SCST_USER_PARSE_STANDARD 0
#define SCST_USER_PARSE_CALL 1
#define SCST_USER_PARSE_EXCEPTION 2
#define SCST_USER_ON_FREE_CMD_CALL 0
#define SCST_USER_ON_FREE_CMD_IGNORE 1
#define SCST_USER_MEM_NO_REUSE 0
#define SCST_USER_MEM_REUSE_READ 1
#define SCST_USER_MEM_REUSE_WRITE 2
#define SCST_USER_MEM_REUSE_ALL 3
#define SCST_USER_PARTIAL_TRANSFERS_NOT_SUPPORTED 0
#define SCST_USER_PARTIAL_TRANSFERS_SUPPORTED_ORDERED 1
#define SCST_USER_PARTIAL_TRANSFERS_SUPPORTED 2
#define SCST_EXEC_REPLY_BACKGROUND 0
#define SCST_EXEC_REPLY_COMPLETED 1
#define SCST_EXEC_REPLY_DO_WRITE_SAME 2
#define SCST_TST_0_SINGLE_TASK_SET 0
#define SCST_TST_1_SEP_TASK_SETS 1
#define SCST_QUEUE_ALG_0_RESTRICTED_REORDER 0
#define SCST_QUEUE_ALG_1_UNRESTRICTED_REORDER 1
#define SCST_QERR_0_ALL_RESUME 0
#define SCST_QERR_1_ABORT_ALL 1
#define SCST_QERR_2_RESERVED 2
#define SCST_QERR_3_ABORT_THIS_NEXUS_ONLY 3
#define SCST_D_SENSE_0_FIXED_SENSE 0
#define SCST_D_SENSE_1_DESCR_SENSE 1
/* §6.8: the on_free_cmd.delivery_status field is uint8_t, so -1/-2 arrive as 255/254. */
#define SCST_CMD_DELIVERY_SUCCESS 0
#define SCST_CMD_DELIVERY_FAILED -1
#define SCST_CMD_DELIVERY_ABORTED -2

/* §7.6 CDB flags (op_flags). 0x8000 (SCST_TEST_IO_IN_SIRQ_ALLOWED) exists only in special kernel builds. */
#define SCST_SMALL_TIMEOUT 0x1
#define SCST_LONG_TIMEOUT 0x2
#define SCST_TRANSFER_LEN_TYPE_FIXED 0x4
#define SCST_UNKNOWN_LBA 0x8
#define SCST_UNKNOWN_LENGTH 0x10
#define SCST_INFO_VALID 0x20
#define SCST_LBA_NOT_VALID 0x40
#define SCST_IMPLICIT_HQ 0x80
#define SCST_SKIP_UA 0x100
#define SCST_WRITE_MEDIUM 0x200
#define SCST_LOCAL_CMD 0x400
#define SCST_FULLY_LOCAL_CMD 0x800
#define SCST_REG_RESERVE_ALLOWED 0x1000
#define SCST_WRITE_EXCL_ALLOWED 0x2000
#define SCST_EXCL_ACCESS_ALLOWED 0x4000
#define SCST_SERIALIZED 0x10000
#define SCST_STRICTLY_SERIALIZED 0x30000
#define SCST_CAN_GEN_3PARTY_COMMANDS 0x40000
#define SCST_DESCRIPTORS_BASED 0x80000
#define SCST_SCSI_ATOMIC 0x100000

/* §5 internal ucmd states: the _IOC_NR of every subcode. */
#define UCMD_STATE_NEW 0
#define UCMD_STATE_PARSING 1
#define UCMD_STATE_BUF_ALLOCING 2
#define UCMD_STATE_EXECING 3
#define UCMD_STATE_ON_FREEING 4
#define UCMD_STATE_ON_CACHE_FREEING 5
#define UCMD_STATE_EXT_COPY_REMAPPING 6
#define UCMD_STATE_ON_FREE_SKIPPED 7
#define UCMD_STATE_TM_RECEIVED_EXECING 8
#define UCMD_STATE_TM_DONE_EXECING 9
#define UCMD_STATE_ATTACH_SESS 0x20
#define UCMD_STATE_DETACH_SESS 0x21

/* §9.3 event codes. */
#define SCST_EVENT_LUN_NOT_FOUND 1
#define SCST_EVENT_NEGATIVE_LUNS_INQUIRY 2
#define SCST_EVENT_EXT_BLOCKING_DONE 3
#define SCST_EVENT_TM_FN_RECEIVED 4
#define SCST_EVENT_STPG_USER_INVOKE 5
#define SCST_EVENT_REG_VIRT_DEV 6

/* §6.1 options, embedded in the device descriptor and read/written by GET/SET_OPTIONS. */
struct scst_user_opt {
	uint8_t parse_type;
	uint8_t on_free_cmd_type;
	uint8_t memory_reuse_type;
	uint8_t partial_transfers_type;
	int32_t partial_len;
	uint8_t tst;
	uint8_t tmf_only;
	uint8_t queue_alg;
	uint8_t qerr;
	uint8_t tas;
	uint8_t swp;
	uint8_t d_sense;
	uint8_t has_own_order_mgmt;
	uint8_t ext_copy_remap_supported;
};

/* §6.2 REGISTER_DEVICE argument; version_str/license_str are user pointers (§3.4 fixed-length reads). */
struct scst_user_dev_desc {
	userdisk_aligned_u64 version_str;
	userdisk_aligned_u64 license_str;
	uint8_t type;
	uint8_t sgv_shared;
	uint8_t sgv_disable_clustered_pool;
	int32_t sgv_single_alloc_pages;
	int32_t sgv_purge_interval;
	struct scst_user_opt opt;
	uint32_t block_size;
	uint8_t enable_pr_cmds_notifications;
	char name[SCST_MAX_NAME];
	char sgv_name[SCST_MAX_NAME];
};

/* §6.4 ATTACH_SESS / DETACH_SESS payload. */
struct scst_user_sess {
	userdisk_aligned_u64 sess_h;
	userdisk_aligned_u64 lun;
	uint16_t threads_num;
	uint8_t rd_only;
	uint16_t scsi_transport_version;
	uint16_t phys_transport_version;
	char initiator_name[SCST_MAX_EXTERNAL_NAME];
	char target_name[SCST_MAX_EXTERNAL_NAME];
};

/* §6.5 PARSE payload. */
struct scst_user_scsi_cmd_parse {
	userdisk_aligned_u64 sess_h;
	uint8_t cdb[SCST_MAX_CDB_SIZE];
	uint16_t cdb_len;
	userdisk_aligned_i64 lba;
	userdisk_aligned_i64 data_len;
	int32_t bufflen;
	int32_t out_bufflen;
	int32_t timeout;
	uint32_t op_flags;
	uint8_t queue_type;
	uint8_t data_direction;
	uint8_t expected_values_set;
	uint8_t expected_data_direction;
	int32_t expected_transfer_len;
	int32_t expected_out_transfer_len;
	uint32_t sn;
};

/* §6.6 ALLOC_MEM payload. */
struct scst_user_scsi_cmd_alloc_mem {
	userdisk_aligned_u64 sess_h;
	uint8_t cdb[SCST_MAX_CDB_SIZE];
	uint16_t cdb_len;
	int32_t alloc_len;
	uint8_t queue_type;
	uint8_t data_direction;
	uint32_t sn;
};

/* §6.7 EXEC payload. */
struct scst_user_scsi_cmd_exec {
	userdisk_aligned_u64 sess_h;
	uint8_t cdb[SCST_MAX_CDB_SIZE];
	uint16_t cdb_len;
	userdisk_aligned_i64 lba;
	userdisk_aligned_i64 data_len;
	int32_t bufflen;
	int32_t alloc_len;
	userdisk_aligned_u64 pbuf;
	uint8_t queue_type;
	uint8_t data_direction;
	uint8_t partial;
	int32_t timeout;
	userdisk_aligned_u64 p_out_buf;
	int32_t out_bufflen;
	uint32_t sn;
	uint32_t parent_cmd_h;
	int32_t parent_cmd_data_len;
	uint32_t partial_offset;
};

/* §6.8 ON_FREE_CMD payload. */
struct scst_user_scsi_on_free_cmd {
	userdisk_aligned_u64 pbuf;
	int32_t resp_data_len;
	uint8_t buffer_cached;
	uint8_t aborted;
	uint8_t status;
	uint8_t delivery_status;
};

/* §6.9 small payloads. */
struct scst_user_on_cached_mem_free {
	userdisk_aligned_u64 pbuf;
};

struct scst_user_tm {
	userdisk_aligned_u64 sess_h;
	uint32_t fn;
	uint32_t cmd_h_to_abort;
	uint32_t cmd_sn;
	uint8_t cmd_sn_set;
};

struct scst_user_ext_copy_data_descr {
	userdisk_aligned_u64 src_lba;
	userdisk_aligned_u64 dst_lba;
	uint32_t data_len; /* bytes, not blocks */
};

struct scst_user_ext_copy_remap {
	userdisk_aligned_u64 sess_h;
	userdisk_aligned_u64 src_sess_h;
	userdisk_aligned_u64 dst_sess_h;
	struct scst_user_ext_copy_data_descr data_descr;
};

/* §6.3: preply (input) and the payload (output) share offset 8. */
struct scst_user_get_cmd {
	uint32_t cmd_h;
	uint32_t subcode;
	union {
		userdisk_aligned_u64 preply;
		struct scst_user_sess sess;
		struct scst_user_scsi_cmd_parse parse_cmd;
		struct scst_user_scsi_cmd_alloc_mem alloc_cmd;
		struct scst_user_scsi_cmd_exec exec_cmd;
		struct scst_user_scsi_on_free_cmd on_free_cmd;
		struct scst_user_on_cached_mem_free on_cached_mem_free;
		struct scst_user_tm tm_cmd;
		struct scst_user_ext_copy_remap remap_cmd;
	};
};

/* §6.11: the success fields and the failure (sense) fields overlap from offset 8. */
struct scst_user_scsi_cmd_reply_parse {
	uint8_t status;
	union {
		struct {
			uint8_t queue_type;
			uint8_t data_direction;
			uint16_t cdb_len;
			userdisk_aligned_i64 lba;
			userdisk_aligned_i64 data_len;
			int32_t bufflen;
			uint32_t op_flags;
			int32_t out_bufflen;
		};
		struct {
			uint8_t sense_len;
			userdisk_aligned_u64 psense_buffer;
		};
	};
};

/* §6.12 */
struct scst_user_scsi_cmd_reply_alloc_mem {
	userdisk_aligned_u64 pbuf;
};

/* §6.9: one WRITE SAME range of DO_WRITE_SAME; the last entry has usdd_blocks == 0. */
struct scst_user_data_descriptor {
	userdisk_aligned_u64 usdd_lba;
	userdisk_aligned_u64 usdd_blocks;
};

/* §6.13: sense (COMPLETED) and WRITE SAME descriptors (DO_WRITE_SAME) overlap from offset 24. */
struct scst_user_scsi_cmd_reply_exec {
	int32_t resp_data_len;
	userdisk_aligned_u64 pbuf;
	uint8_t reply_type;
	uint8_t status;
	union {
		struct {
			uint8_t sense_len;
			userdisk_aligned_u64 psense_buffer;
		};
		struct {
			uint16_t ws_descriptors_len;
			userdisk_aligned_u64 ws_descriptors;
		};
	};
};

/* §6.14 */
struct scst_user_ext_copy_reply_remap {
	userdisk_aligned_u64 remap_descriptors;
	uint16_t remap_descriptors_len;
	uint8_t status;
	uint8_t sense_len;
	userdisk_aligned_u64 psense_buffer;
};

/* §6.10: every reply is 56 bytes; the kernel always copies all of them. */
struct scst_user_reply_cmd {
	uint32_t cmd_h;
	uint32_t subcode;
	union {
		int32_t result;
		struct scst_user_scsi_cmd_reply_parse parse_reply;
		struct scst_user_scsi_cmd_reply_alloc_mem alloc_reply;
		struct scst_user_scsi_cmd_reply_exec exec_reply;
		struct scst_user_ext_copy_reply_remap remap_reply;
	};
};

/* §6.9 GET_EXTENDED_CDB argument. */
struct scst_user_get_ext_cdb {
	uint32_t cmd_h;
	userdisk_aligned_u64 ext_cdb_buffer;
};

/* §6.9 PREALLOC_BUFFER: out.cmd_h overwrites the low 4 bytes of in.pbuf. */
struct scst_user_prealloc_buffer_in {
	userdisk_aligned_u64 pbuf;
	uint32_t bufflen;
	uint8_t for_clust_pool;
};

struct scst_user_prealloc_buffer_out {
	uint32_t cmd_h;
};

union scst_user_prealloc_buffer {
	struct scst_user_prealloc_buffer_in in;
	struct scst_user_prealloc_buffer_out out;
};

/* §6.9 / §8.4 REPLY_AND_GET_MULTI: a 16-byte header followed by cmds_cnt 544-byte commands. */
struct scst_user_get_multi {
	userdisk_aligned_u64 preplies;
	int16_t replies_cnt;
	int16_t replies_done;
	int16_t cmds_cnt;
	int16_t pad;
	struct scst_user_get_cmd cmds[];
};

/* §9.2: header of every event and the filter format; the payload starts at 62, not at sizeof (64). */
struct scst_event {
	int32_t payload_len;
	uint32_t event_code;
	uint32_t event_id;
	char issuer_name[SCST_MAX_NAME];
	uint8_t payload[];
};

struct scst_event_user {
	int32_t max_event_size;
	struct scst_event out_event;
};

struct scst_event_notify_done {
	uint32_t event_id;
	int32_t status;
};

/* §9.3 payloads. */
struct scst_event_lun_not_found_payload {
	userdisk_aligned_u64 lun;
	char initiator_name[SCST_MAX_EXTERNAL_NAME];
	char target_name[SCST_MAX_EXTERNAL_NAME];
};

struct scst_event_negative_luns_inquiry_payload {
	char initiator_name[SCST_MAX_EXTERNAL_NAME];
	char target_name[SCST_MAX_EXTERNAL_NAME];
};

struct scst_event_ext_blocking_done_payload {
	char device_name[SCST_MAX_EXTERNAL_NAME];
	uint32_t data_len;
	uint8_t data[];
};

struct scst_event_tm_fn_received_payload {
	uint32_t fn;
	userdisk_aligned_u64 lun;
	char device_name[SCST_MAX_EXTERNAL_NAME];
	char initiator_name[SCST_MAX_EXTERNAL_NAME];
	char target_name[SCST_MAX_EXTERNAL_NAME];
	char session_sysfs_name[SCST_MAX_EXTERNAL_NAME];
	userdisk_aligned_u64 cmd_to_abort_tag;
	uint8_t cdb[SCST_MAX_CDB_SIZE];
};

struct scst_event_stpg_descr {
	uint16_t group_id;
	char prev_state[32];
	char new_state[32];
	char dg_name[64];
	char tg_name[64];
};

struct scst_event_stpg_payload {
	userdisk_aligned_u64 stpg_cmd_tag;
	char device_name[64];
	uint16_t stpg_descriptors_cnt;
	struct scst_event_stpg_descr stpg_descriptors[];
};

/* §9.4: device name truncated to SCST_MAX_NAME + 10 - 1 characters. */
struct scst_event_reg_vdev_payload {
	char device_name[SCST_MAX_NAME + 10];
};

/* §4: scst_user ioctls, type 'u'. The struct size is part of each code. */
#define SCST_USER_REGISTER_DEVICE _IOW('u', 1, struct scst_user_dev_desc)
#define SCST_USER_UNREGISTER_DEVICE _IO('u', 2)
#define SCST_USER_SET_OPTIONS _IOW('u', 3, struct scst_user_opt)
#define SCST_USER_GET_OPTIONS _IOR('u', 4, struct scst_user_opt)
#define SCST_USER_REPLY_AND_GET_CMD _IOWR('u', 5, struct scst_user_get_cmd)
#define SCST_USER_REPLY_CMD _IOW('u', 6, struct scst_user_reply_cmd)
#define SCST_USER_FLUSH_CACHE _IO('u', 7)
#define SCST_USER_DEVICE_CAPACITY_CHANGED _IO('u', 8)
#define SCST_USER_GET_EXTENDED_CDB _IOWR('u', 9, struct scst_user_get_ext_cdb)
#define SCST_USER_PREALLOC_BUFFER _IOWR('u', 10, union scst_user_prealloc_buffer)
#define SCST_USER_REPLY_AND_GET_MULTI _IOWR('u', 11, struct scst_user_get_multi)

/* §5: subcodes are _IOR/_IOWR('s', state, payload) values; a reply echoes the exact value. */
#define SCST_USER_ATTACH_SESS _IOR('s', UCMD_STATE_ATTACH_SESS, struct scst_user_sess)
#define SCST_USER_DETACH_SESS _IOR('s', UCMD_STATE_DETACH_SESS, struct scst_user_sess)
#define SCST_USER_PARSE _IOWR('s', UCMD_STATE_PARSING, struct scst_user_scsi_cmd_parse)
#define SCST_USER_ALLOC_MEM _IOWR('s', UCMD_STATE_BUF_ALLOCING, struct scst_user_scsi_cmd_alloc_mem)
#define SCST_USER_EXEC _IOWR('s', UCMD_STATE_EXECING, struct scst_user_scsi_cmd_exec)
#define SCST_USER_ON_FREE_CMD _IOR('s', UCMD_STATE_ON_FREEING, struct scst_user_scsi_on_free_cmd)
#define SCST_USER_ON_CACHED_MEM_FREE _IOR('s', UCMD_STATE_ON_CACHE_FREEING, struct scst_user_on_cached_mem_free)
#define SCST_USER_EXT_COPY_REMAP _IOWR('s', UCMD_STATE_EXT_COPY_REMAPPING, struct scst_user_ext_copy_remap)
#define SCST_USER_TASK_MGMT_RECEIVED _IOWR('s', UCMD_STATE_TM_RECEIVED_EXECING, struct scst_user_tm)
#define SCST_USER_TASK_MGMT_DONE _IOWR('s', UCMD_STATE_TM_DONE_EXECING, struct scst_user_tm)

/* §9.1: scst_event ioctls, also type 'u' (a different device node). */
#define SCST_EVENT_ALLOW_EVENT _IOW('u', 1, struct scst_event)
#define SCST_EVENT_DISALLOW_EVENT _IOW('u', 2, struct scst_event)
#define SCST_EVENT_GET_NEXT_EVENT _IOWR('u', 3, struct scst_event_user)
#define SCST_EVENT_NOTIFY_DONE _IOW('u', 4, struct scst_event_notify_done)

#endif /* USERDISK_SCST_INCLUDE */

/* Exported by libuserdisk_shim.so (abi_table.c): the layout table, see the function's comment there. */
int userdisk_abi_table(char *buf, int len);

#include "userdisk_scst_abi_asserts.h"

#endif /* USERDISK_SCST_ABI_H */
