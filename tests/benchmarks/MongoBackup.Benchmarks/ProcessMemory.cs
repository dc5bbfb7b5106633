namespace MongoBackup.Benchmarks;

/// <summary>
/// One process's resident memory as Linux reports it in /proc/&lt;pid&gt;/status: VmRSS now and VmHWM, the peak.
/// Writing "5" to /proc/&lt;pid&gt;/clear_refs resets the peak to the current size, so each phase gets its own.
/// Where /proc is missing (not Linux), every figure is null and the sampler's maxima are used instead.
/// </summary>
public sealed class ProcessMemory(int processId)
{
    private readonly string _status = $"/proc/{processId}/status";
    private readonly string _clearRefs = $"/proc/{processId}/clear_refs";

    public int ProcessId => processId;

    /// <summary>True when the kernel accepted the reset; false means VmHWM still covers earlier work.</summary>
    public bool TryResetPeak()
    {
        try
        {
            File.WriteAllText(_clearRefs, "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public long? CurrentBytes => ReadKilobytes("VmRSS:") * 1024;
    public long? PeakBytes => ReadKilobytes("VmHWM:") * 1024;

    private long? ReadKilobytes(string field)
    {
        try
        {
            foreach (var line in File.ReadLines(_status))
            {
                if (!line.StartsWith(field, StringComparison.Ordinal)) continue;
                var number = line[field.Length..].Trim().Split(' ')[0];
                return long.TryParse(number, out var kb) ? kb : null;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return null;
    }
}
