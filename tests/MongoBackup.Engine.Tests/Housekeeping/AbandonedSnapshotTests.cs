using System.Diagnostics;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.Engine.Tests.Support;

namespace MongoBackup.Engine.Tests.Housekeeping;

/// <summary>
/// A backup killed half-way (SIGTERM from a scheduler's timeout) leaves a folder without a manifest and a writer mark that
/// runs on for up to two minutes. Whether its writer is gone is decided in one place (<see cref="SnapshotWriters"/>) for
/// Remove-MongoSnapshot, its dry run and retention: a lapsed mark, or a process of this machine that exited or whose pid
/// now belongs to another process, is gone; a live process, one on another host or in another pid scope, or a mark that
/// records no process, may still be writing until its mark lapses, and nothing of its snapshot is removed meanwhile.
/// </summary>
public sealed class AbandonedSnapshotTests : IDisposable
{
    private const string Killed = "20260101T000500Z-full-dead";
    private const string Running = "20260101T000600Z-full-a11e";
    private const string Elsewhere = "20260101T000700Z-full-e15e";
    private const string Lapsed = "20260101T000400Z-full-01d0";
    private readonly TempFolder _folder = new();
    private readonly FolderRepository _repository;

    public AbandonedSnapshotTests() => _repository = new FolderRepository(_folder.Path);

    public void Dispose() => _folder.Dispose();

    /// <summary>A process of this machine that ran and exited: its pid and start, recorded while it ran, as a killed writer's mark holds them.</summary>
    private static async Task<WriterProcess> ExitedProcessAsync()
    {
        // A shell waiting on its input runs until that input closes, on every platform the module runs on.
        var start = new ProcessStartInfo(OperatingSystem.IsWindows() ? "cmd.exe" : "/bin/sh") { RedirectStandardInput = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var recorded = WriterProcess.Current with { Pid = process.Id, Started = WriterProcess.StartOf(process.Id) };
        Assert.NotNull(recorded.Started);
        Assert.Equal(WriterProcess.Presence.Running, WriterProcess.Judge(recorded));
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        return recorded;
    }

    private static LeaseRecord Mark(WriterProcess? process, DateTimeOffset expires, string holder = "dbhost/pid 4242/0a1b2c3d (full backup)") =>
        new(holder, Guid.NewGuid().ToString("N"), expires) { Process = process };

    /// <summary>A reserved snapshot with no manifest and the writer mark <paramref name="mark"/>, as a backup killed before its commit leaves it.</summary>
    private async Task UnfinishedAsync(string id, LeaseRecord mark)
    {
        Assert.True(await _repository.TryReserveAsync(id, CancellationToken.None));
        Assert.True(await ((ISnapshotMarks)_repository).WriteMarkAsync(id, SnapshotReadLease.WriterMarkPrefix + mark.Token, mark.Serialize(), CancellationToken.None));
    }

    private async Task<IReadOnlyList<string>> FolderIdsAsync()
    {
        var ids = new List<string>();
        await foreach (var found in _repository.ListAsync(CancellationToken.None)) ids.Add(found.SnapshotId);
        return ids;
    }

    [Fact]
    public async Task A_writer_whose_process_on_this_machine_exited_is_gone_though_its_mark_runs_on()
    {
        var mark = Mark(await ExitedProcessAsync(), DateTimeOffset.UtcNow.AddMinutes(2));
        var judged = SnapshotWriters.Judge(mark, DateTimeOffset.UtcNow);
        Assert.False(judged.MayBeWriting);
        Assert.Contains($"its process {mark.Process!.Pid} on {Environment.MachineName}, this machine, no longer runs", judged.Why);
    }

    /// <summary>
    /// A backup killed with SIGKILL whose parent does not reap it (a scheduler killed with it, a container whose first
    /// process reaps no orphans, a shell that exec'd into something else) stays a zombie: /proc/PID is still there with
    /// the same starttime, but it runs no code and never renews its mark. It is gone at once, as an exited writer is.
    /// Seen: kill -9 of `dotnet pwsh` running Backup-MongoDatabase, then Get-MongoSnapshot -IncludeIncomplete at once.
    /// </summary>
    [Fact]
    public async Task A_killed_writer_left_a_zombie_by_a_parent_that_never_reaps_it_is_gone_though_its_mark_runs_on()
    {
        if (!OperatingSystem.IsLinux()) return; // zombies are visible as such in /proc only; elsewhere an ended process is not found
        // sh starts a child (the writer), then becomes sleep, which never waits for a child: once killed, the writer stays a zombie.
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("sleep 600 & echo $!; exec sleep 600");
        using var parent = Process.Start(start)!;
        try
        {
            var pid = int.Parse((await parent.StandardOutput.ReadLineAsync())!.Trim(), System.Globalization.CultureInfo.InvariantCulture);
            // Kill the writer only once its parent runs sleep: the shell itself would reap it.
            await WaitForAsync(() => ProcFile(parent.Id, "comm") == "sleep", $"the shell {parent.Id} to exec sleep");
            var recorded = WriterProcess.Current with { Pid = pid, Started = WriterProcess.StartOf(pid) };
            Assert.NotNull(recorded.Started);
            var mark = Mark(recorded, DateTimeOffset.UtcNow.AddMinutes(2));
            Assert.True(SnapshotWriters.Judge(mark, DateTimeOffset.UtcNow).MayBeWriting);

            using (var writer = Process.GetProcessById(pid)) writer.Kill();
            await WaitForAsync(() => WriterProcess.ProcStat.Parse(ProcFile(pid, "stat") ?? "")?.State == 'Z', $"the killed writer {pid} to be a zombie");

            Assert.Equal(recorded.Started, WriterProcess.StartOf(pid)); // its entry, start and all, is still there
            Assert.Equal(WriterProcess.Presence.Exited, WriterProcess.Judge(recorded));
            var judged = SnapshotWriters.Judge(mark, DateTimeOffset.UtcNow);
            Assert.False(judged.MayBeWriting);
            Assert.Contains($"its process {pid} on {Environment.MachineName}, this machine, no longer runs", judged.Why);
        }
        finally
        {
            parent.Kill(entireProcessTree: true);
            await parent.WaitForExitAsync();
        }
    }

    [Theory]
    [InlineData("4242 (pwsh) Z 1 4242 4242 0 -1 4194636 0 0 0 0 0 0 0 0 20 0 1 0 98765 0 0 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0", 'Z', "98765")]
    [InlineData("77 (a) b) R (x) S 1 77 77 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 1234 0", 'S', "1234")]
    public void A_proc_stat_line_gives_its_state_and_start_after_a_command_name_of_any_characters(string line, char state, string startTime)
    {
        // proc(5): "pid (comm) state ppid ..."; comm may hold spaces and parentheses, so fields count from the last ')'.
        var stat = WriterProcess.ProcStat.Parse(line);
        Assert.NotNull(stat);
        Assert.Equal(state, stat.State);
        Assert.Equal(startTime, stat.StartTime);
        Assert.Equal(state == 'Z', stat.HasEnded);
        Assert.Null(WriterProcess.ProcStat.Parse("4242 (pwsh"));
    }

    private static string? ProcFile(int pid, string name)
    {
        try { return File.ReadAllText($"/proc/{pid}/{name}").TrimEnd('\n'); }
        catch (IOException) { return null; }
    }

    /// <summary>Polls <paramref name="done"/>, what the kernel shows of a process, until it holds (a process's state has no event to wait on).</summary>
    private static async Task WaitForAsync(Func<bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"gave up waiting for {what}");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task A_writer_on_another_host_or_in_another_pid_scope_may_be_writing_until_its_mark_lapses()
    {
        var exited = await ExitedProcessAsync();
        var now = DateTimeOffset.UtcNow;
        foreach (var process in new WriterProcess?[] { exited with { Host = "another-host" }, exited with { Scope = "another boot or container" }, null })
        {
            var mark = Mark(process, now.AddMinutes(2));
            var live = SnapshotWriters.Judge(mark, now);
            Assert.True(live.MayBeWriting, live.Why);
            Assert.Contains("only the lapse of its mark tells", live.Why);
            var lapsed = SnapshotWriters.Judge(mark, now.AddMinutes(2).AddSeconds(1));
            Assert.False(lapsed.MayBeWriting);
            Assert.Contains("its writer mark ran out at", lapsed.Why);
        }
    }

    [Fact]
    public void A_live_process_is_writing_and_its_pid_given_to_another_process_is_not()
    {
        var now = DateTimeOffset.UtcNow;
        var live = SnapshotWriters.Judge(Mark(WriterProcess.Current, now.AddMinutes(2)), now);
        Assert.True(live.MayBeWriting);
        Assert.Contains($"its process {Environment.ProcessId} still runs", live.Why);

        // The same pid, started at another moment: the writer's process ended and the system gave its pid to this one.
        var reused = SnapshotWriters.Judge(Mark(WriterProcess.Current with { Started = "1" }, now.AddMinutes(2)), now);
        Assert.False(reused.MayBeWriting);
        Assert.Contains($"pid {Environment.ProcessId} on {Environment.MachineName}, this machine, now belongs to another process", reused.Why);
    }

    [Fact]
    public void A_mark_written_by_a_writer_records_its_process_and_reads_back_with_it()
    {
        var record = Mark(WriterProcess.Current, DateTimeOffset.UtcNow.AddMinutes(2));
        Assert.Equal(WriterProcess.Current, LeaseRecord.TryParse(record.Serialize())!.Process);
        // A mark of an older version names no process: it still reads, as one only its lapse ends.
        Assert.Null(LeaseRecord.TryParse(Mark(null, DateTimeOffset.UtcNow).Serialize())!.Process);
    }

    [Fact]
    public async Task Removal_and_its_dry_run_decide_alike_refusing_a_live_writer_and_removing_a_killed_ones_snapshot()
    {
        await UnfinishedAsync(Killed, Mark(await ExitedProcessAsync(), DateTimeOffset.UtcNow.AddMinutes(2)));
        await UnfinishedAsync(Running, Mark(WriterProcess.Current, DateTimeOffset.UtcNow.AddMinutes(2)));
        var remover = new SnapshotRemover(new RecordingObserver());

        var previewed = await remover.UsersRefusalAsync(_repository, [Running], CancellationToken.None);
        var refused = await Assert.ThrowsAsync<MongoBackupException>(() => remover.RemoveAsync(_repository, [Running], force: true, CancellationToken.None));
        Assert.NotNull(previewed);
        Assert.Equal(ErrorIds.SnapshotBeingWritten, refused.ErrorId);
        Assert.Equal(refused.ErrorId, previewed.ErrorId);
        Assert.Equal(refused.Message, previewed.Message);
        Assert.Contains($"Snapshot {Running} is still being written by dbhost/pid 4242/0a1b2c3d (full backup)", refused.Message);
        Assert.Contains($"its process {Environment.ProcessId} still runs", refused.Message);

        Assert.Null(await remover.UsersRefusalAsync(_repository, [Killed], CancellationToken.None));
        Assert.Equal([Killed], await remover.RemoveAsync(_repository, [Killed], force: false, CancellationToken.None));
        Assert.Equal([Running], await FolderIdsAsync());
    }

    [Fact]
    public async Task Retention_removes_snapshots_abandoned_by_a_gone_writer_and_never_one_whose_writer_may_run()
    {
        await SnapshotHistory.WriteAsync(_repository, "20260101T000000Z-full-0001", 5);
        await SnapshotHistory.WriteAsync(_repository, "20260101T000100Z-full-0002", 5);
        await UnfinishedAsync(Killed, Mark(await ExitedProcessAsync(), DateTimeOffset.UtcNow.AddMinutes(2)));
        await UnfinishedAsync(Running, Mark(WriterProcess.Current, DateTimeOffset.UtcNow.AddMinutes(2)));
        await UnfinishedAsync(Elsewhere, Mark(WriterProcess.Current with { Host = "another-host" }, DateTimeOffset.UtcNow.AddMinutes(2)));
        await UnfinishedAsync(Lapsed, Mark(WriterProcess.Current with { Host = "another-host" }, DateTimeOffset.UtcNow.AddSeconds(-1)));
        // A folder reserved whose writer never got to mark it (killed between the two) has no writer at all.
        const string Unmarked = "20260101T000300Z-oplog-0bad";
        Assert.True(await _repository.TryReserveAsync(Unmarked, CancellationToken.None));

        var catalog = new SnapshotCatalog(_repository);
        var plan = await RetentionApplier.PlanAsync(catalog, new RetentionRules { KeepLast = 1 }, CancellationToken.None);
        var decisions = plan.Decisions.ToDictionary(d => d.SnapshotId);

        Assert.Equal(RetentionAction.Remove, decisions[Killed].Action);
        Assert.Contains("abandoned unfinished backup", decisions[Killed].Reason);
        Assert.Contains("no longer runs", decisions[Killed].Reason);
        Assert.Equal(SnapshotKind.Full, decisions[Killed].Kind);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 5, 0, TimeSpan.Zero), decisions[Killed].StartTime);
        Assert.Equal(RetentionAction.Remove, decisions[Lapsed].Action);
        Assert.Contains("ran out at", decisions[Lapsed].Reason);
        Assert.Equal(RetentionAction.Remove, decisions[Unmarked].Action);
        Assert.Contains("no writer mark is left", decisions[Unmarked].Reason);
        foreach (var live in new[] { Running, Elsewhere })
        {
            Assert.Equal(RetentionAction.Keep, decisions[live].Action);
            Assert.Contains("retention never removes a snapshot whose writer may be running", decisions[live].Reason);
        }

        var removed = await new RetentionApplier(new RecordingObserver()).ApplyAsync(catalog, plan.Removals.Select(r => r.SnapshotId).ToList(), CancellationToken.None);
        Assert.Equal(new[] { Killed, Lapsed, Unmarked, "20260101T000000Z-full-0001" }.Order(), removed.Order());
        Assert.Equal(new[] { Running, Elsewhere, "20260101T000100Z-full-0002" }.Order(), (await FolderIdsAsync()).Order());
    }

    [Fact]
    public async Task An_unfinished_snapshot_committed_after_the_listing_is_not_removed_by_a_plan_made_before()
    {
        const string Id = "20260101T000200Z-full-1a7e";
        await UnfinishedAsync(Id, Mark(await ExitedProcessAsync(), DateTimeOffset.UtcNow.AddMinutes(2)));
        var catalog = new SnapshotCatalog(_repository);
        Assert.Null((await catalog.FoundAsync(CancellationToken.None)).Single().Manifest);
        // Its run commits it (and lets go of its mark) between the listing and the removal.
        await _repository.CommitManifestAsync(SnapshotHistory.Full(Id, 120), CancellationToken.None);

        var observer = new RecordingObserver();
        var removed = await new SnapshotRemover(observer).RemoveAsync(catalog, [Id], force: false, CancellationToken.None, skipBeingRead: true);
        Assert.Empty(removed);
        Assert.Contains(observer.Warnings, w => w.Contains($"Snapshot {Id} was listed without a manifest, but its run has committed it since"));
        Assert.NotNull((await _repository.ReadManifestAsync(Id, CancellationToken.None))?.Manifest);
    }
}
