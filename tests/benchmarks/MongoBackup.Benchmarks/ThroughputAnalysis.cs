namespace MongoBackup.Benchmarks;

/// <summary>
/// Reads the figures for what limits each run: the server (the backup moves about as fast as a bare scan),
/// the engine's codec (one core's compression capacity is near the backup's rate), or the machine (engine and
/// server CPU together fill the cores). The numbers behind each verdict go into the sentence.
/// </summary>
public static class ThroughputAnalysis
{
    public static List<string> Explain(IReadOnlyList<PhaseResult> results)
    {
        var findings = new List<string>();
        var scan = results.FirstOrDefault(r => r.Phase == "server");
        var cores = Environment.ProcessorCount;
        foreach (var run in results.Where(r => r.Phase is "backup" or "restore" or "replay"))
        {
            var engineBusy = run.EngineCpuSeconds / run.ElapsedSeconds;
            var serverBusy = run.ServerCpuSeconds / run.ElapsedSeconds;
            var otherBusy = run.OtherProcessesCpuSeconds / run.ElapsedSeconds;
            var line = $"{run.Phase} {run.Compression}: {run.MegabytesPerSecond:0} MB/s; engine CPU {run.EngineCpuSeconds:0.0} s = {engineBusy:0.00} cores, " +
                       $"server CPU {run.ServerCpuSeconds:0.0} s = {serverBusy:0.00} cores, other processes {otherBusy:0.00} cores, " +
                       $"disk wait {run.IoWaitSeconds:0.0} s, over {run.ElapsedSeconds:0.0} s elapsed";
            if (run.Phase == "backup" && scan is not null)
                line += $"; a bare server scan runs at {scan.MegabytesPerSecond:0} MB/s ({run.MegabytesPerSecond / scan.MegabytesPerSecond:P0} of it reached)";
            if (run.Profile.TryGetValue("diskWriteSeconds", out var disk))
                line += $"; file writes took {disk:0.0} s";
            if (run.Phase == "backup" && run.Compression != "none" && run.Profile.TryGetValue("codecCompressMBpsOneCore", out var codec))
                line += $"; one core compresses {codec:0} MB/s";
            findings.Add(line + ". Limited by: " + Verdict(run, scan, engineBusy, serverBusy, otherBusy, cores) + ".");
        }
        return findings;
    }

    private static string Verdict(PhaseResult run, PhaseResult? scan, double engineBusy, double serverBusy, double otherBusy, int cores)
    {
        // On a shared machine other work takes cores from both sides; say so first, as every figure is lower for it.
        var ownVerdict = OwnVerdict(run, scan, engineBusy, serverBusy, otherBusy, cores);
        return otherBusy >= 0.5 && !ownVerdict.StartsWith("CPU shared", StringComparison.Ordinal)
            ? $"CPU shared with other processes ({otherBusy:0.00} cores went to them); among the run's own parts, {ownVerdict}"
            : ownVerdict;
    }

    private static string OwnVerdict(PhaseResult run, PhaseResult? scan, double engineBusy, double serverBusy, double otherBusy, int cores)
    {
        if (run.Phase == "backup" && scan is not null && run.MegabytesPerSecond >= 0.8 * scan.MegabytesPerSecond)
            return "the server (the backup keeps up with a bare scan)";
        if (run.Phase == "backup" && run.Compression != "none"
            && run.Profile.TryGetValue("codecCompressMBpsOneCore", out var codec) && codec > 0 && run.MegabytesPerSecond >= 0.7 * codec * Math.Max(1, engineBusy - 0.2))
            return "the engine's compression";
        if (run.Profile.TryGetValue("diskWriteSeconds", out var disk) && disk >= 0.5 * run.ElapsedSeconds)
            return "the disk (file writes take most of the run)";
        if (engineBusy + serverBusy < 0.85 * cores && engineBusy + serverBusy + otherBusy >= 0.85 * cores)
            return $"CPU shared with other processes ({otherBusy:0.00} cores went to them)";
        if (engineBusy + serverBusy >= 0.85 * cores)
            return $"CPU: engine and server together keep the {cores} cores busy ({(serverBusy > engineBusy ? "server" : "engine")} takes more)";
        return serverBusy > engineBusy ? "the server, with CPU to spare (waits between requests)" : "the engine, with CPU to spare (waits between stages)";
    }
}
