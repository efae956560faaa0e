namespace UserDisk.Scst.Interop;

/// <summary>SCSI task attribute as SCST passes it in queue_type. (ABI-SCST-USER.md §7.2)</summary>
internal enum ScstQueueType : byte
{
    [CName("SCST_CMD_QUEUE_UNTAGGED")]
    Untagged = 0,

    [CName("SCST_CMD_QUEUE_SIMPLE")]
    Simple = 1,

    [CName("SCST_CMD_QUEUE_ORDERED")]
    Ordered = 2,

    [CName("SCST_CMD_QUEUE_HEAD_OF_QUEUE")]
    HeadOfQueue = 3,

    [CName("SCST_CMD_QUEUE_ACA")]
    Aca = 4,
}
