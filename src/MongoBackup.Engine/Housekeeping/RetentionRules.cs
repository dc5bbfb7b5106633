using System.Globalization;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>
/// Which full snapshots to keep, as restic and PBM word it. Each rule keeps snapshots on its own; a snapshot is kept
/// when any rule keeps it. Daily, weekly and monthly rules keep the newest full snapshot of each of the last N
/// days, ISO weeks or months (UTC) that have one. KeepWithin keeps every full snapshot started within that span
/// before the newest one (not before now, so a backup job that stopped does not age everything out). RestoreWindow
/// keeps what a point-in-time restore to any moment of that span before the newest restorable moment needs
/// (<see cref="RestoreWindowRule"/>).
/// </summary>
public sealed record RetentionRules
{
    /// <summary>Keep the N newest full snapshots.</summary>
    public int? KeepLast { get; init; }
    /// <summary>Keep the newest full snapshot of each of the last N UTC days that have one.</summary>
    public int? KeepDaily { get; init; }
    /// <summary>Keep the newest full snapshot of each of the last N ISO weeks (UTC) that have one.</summary>
    public int? KeepWeekly { get; init; }
    /// <summary>Keep the newest full snapshot of each of the last N UTC months that have one.</summary>
    public int? KeepMonthly { get; init; }
    /// <summary>Keep every full snapshot started within this span before the newest full snapshot's start.</summary>
    public TimeSpan? KeepWithin { get; init; }
    /// <summary>
    /// Keep what a point-in-time restore to any moment of this span before the source's newest restorable moment needs:
    /// the newest full snapshot at or before the span's start, every full snapshot after it, and every slice from that
    /// full snapshot on (see <see cref="RestoreWindowRule"/>).
    /// </summary>
    public TimeSpan? RestoreWindow { get; init; }

    /// <summary>Rules that keep nothing would remove every snapshot: refuse them, naming what is wrong.</summary>
    public void Validate()
    {
        foreach (var (name, value) in new[] { ("KeepLast", KeepLast), ("KeepDaily", KeepDaily), ("KeepWeekly", KeepWeekly), ("KeepMonthly", KeepMonthly) })
            if (value is < 1)
                throw new MongoBackupException(ErrorIds.InvalidArgument, $"{name} must be at least 1; it is {value}.", target: name);
        if (KeepWithin is { } within && within <= TimeSpan.Zero)
            throw new MongoBackupException(ErrorIds.InvalidArgument, $"KeepWithin must be a positive time span; it is {within}.", target: "KeepWithin");
        if (RestoreWindow is { } window && window <= TimeSpan.Zero)
            throw new MongoBackupException(ErrorIds.InvalidArgument, $"RestoreWindow must be a positive time span; it is {window}.", target: "RestoreWindow");
        if (KeepLast is null && KeepDaily is null && KeepWeekly is null && KeepMonthly is null && KeepWithin is null && RestoreWindow is null)
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                "No retention rule was given, which would remove every snapshot: give at least one of KeepLast, KeepDaily, KeepWeekly, KeepMonthly, KeepWithin or RestoreWindow.");
    }

    /// <summary>The rules given, as "KeepLast 3, KeepDaily 7" (for messages and -WhatIf).</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (KeepLast is { } last) parts.Add($"KeepLast {last}");
        if (KeepDaily is { } daily) parts.Add($"KeepDaily {daily}");
        if (KeepWeekly is { } weekly) parts.Add($"KeepWeekly {weekly}");
        if (KeepMonthly is { } monthly) parts.Add($"KeepMonthly {monthly}");
        if (KeepWithin is { } within) parts.Add($"KeepWithin {Show(within)}");
        if (RestoreWindow is { } window) parts.Add($"RestoreWindow {Show(window)}");
        return string.Join(", ", parts);
    }

    /// <summary>A span as the duration parameters take it: "3d", "36h", "90m", "45s"; a TimeSpan ("1.02:03:04.5") otherwise.</summary>
    public static string Show(TimeSpan span) =>
        span <= TimeSpan.Zero ? span.ToString("c", CultureInfo.InvariantCulture)
        : span.Ticks % TimeSpan.TicksPerDay == 0 ? Whole(span.TotalDays, "d")
        : span.Ticks % TimeSpan.TicksPerHour == 0 ? Whole(span.TotalHours, "h")
        : span.Ticks % TimeSpan.TicksPerMinute == 0 ? Whole(span.TotalMinutes, "m")
        : span.Ticks % TimeSpan.TicksPerSecond == 0 ? Whole(span.TotalSeconds, "s")
        : span.ToString("c", CultureInfo.InvariantCulture);

    private static string Whole(double count, string unit) => string.Create(CultureInfo.InvariantCulture, $"{count:0}{unit}");
}
