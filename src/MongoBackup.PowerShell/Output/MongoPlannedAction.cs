namespace MongoBackup;

/// <summary>
/// One step of what a command would do, as its -WhatIf dry run emits it (as dbatools' -OutputScriptOnly lets one capture
/// a plan): the step, what it acts on, whether the real run would do it, and if not, the error it would stop with.
/// </summary>
public sealed class MongoPlannedAction
{
    /// <summary>The cmdlet that planned it.</summary>
    public string Command { get; init; } = "";
    /// <summary>What would happen: Back up, Check balancer, Stop balancer, Save oplog, Restore, Drop and restore, Verify, Restore into scratch databases, Remove, Copy, Re-key, Full, Slice, Nothing.</summary>
    public string Action { get; init; } = "";
    /// <summary>What it acts on: a namespace, a snapshot id, a server.</summary>
    public string Target { get; init; } = "";
    /// <summary>Where the data comes from, when that differs from the target (a source namespace, a repository).</summary>
    public string? Source { get; init; }
    /// <summary>False when the real run would refuse this step (see <see cref="ErrorId"/> and <see cref="Detail"/>).</summary>
    public bool WouldRun { get; init; } = true;
    /// <summary>The error id the real run would give for this step; null when it would run.</summary>
    public string? ErrorId { get; init; }
    /// <summary>Why the real run would refuse this step (its error message); null when it would run.</summary>
    public string? Problem { get; init; }
    /// <summary>The rest of the plan for this step: what, from where, into where.</summary>
    public string Detail { get; init; } = "";

    public override string ToString() => $"{Action} {Target}";
}
