namespace UserDisk.Scsi;

/// <summary>
/// What <see cref="LogicalUnit.TasksAborted"/> reports: PERSISTENT RESERVE OUT with PREEMPT AND ABORT preempted these
/// I_T nexuses, and SPC-5 5.13.11.2.6 requires all their commands for this logical unit to be aborted as SAM-5 defines,
/// except <see cref="PreemptingCommand"/> itself (its nexus is in the list when it preempted its own key).
/// </summary>
public sealed class TasksAbortedEventArgs : EventArgs
{
    public TasksAbortedEventArgs(IReadOnlyList<ItNexus> nexuses, ScsiCommand preemptingCommand)
    {
        Nexuses = nexuses;
        PreemptingCommand = preemptingCommand;
    }

    /// <summary>The preempted I_T nexuses the unit knows (those that have sent it a command and not been removed).</summary>
    public IReadOnlyList<ItNexus> Nexuses { get; }

    /// <summary>The PERSISTENT RESERVE OUT command that preempted them; it must not be aborted.</summary>
    public ScsiCommand PreemptingCommand { get; }
}
