using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Integration;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Fuzz;

public enum Verdict { Restored, Refused, Crash, Hang, Unexpected, SilentPartial, Collateral }

/// <summary>
/// Restores one input into the test server under a prefix of its own and judges the outcome: a crash (an exception
/// that is not the engine's own), a hang (past the case timeout), an unexpected error (a failure whose cause is
/// neither named damage nor the server's refusal, or that names no file of the input), a silent partial restore
/// (a namespace reported restored without exactly its documents, or a restore reporting success without every
/// namespace) and collateral damage (one namespace's own file damaged, and another namespace failing with it, or the
/// whole restore refused) are failures. Correct outcomes: every namespace restored exactly; the damaged namespaces
/// failed by name and every other one restored exactly; or, for damage every namespace depends on (an archive's
/// stream, a manifest), a named refusal or named failures.
/// </summary>
public sealed class FuzzJudge(MongoServerFixture server, TimeSpan timeout)
{
    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    /// <summary>What the undamaged seed restores to, per source namespace; the seed must restore cleanly.</summary>
    public async Task BaselineAsync(FuzzSeed seed)
    {
        var prefix = TestDatabases.NewName("fzb") + "_";
        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(Request(seed, seed.Path, prefix, verifyFirst: true), CancellationToken.None);
        Assert.True(outcome.Succeeded, $"the undamaged seed '{seed.Name}' restores: " + string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        foreach (var result in outcome.Namespaces.Where(n => n.Type != "view"))
            seed.Baseline[result.SourceNamespace] = (await RestoredAsync(result)).Select(Convert.ToHexString).Order(StringComparer.Ordinal).ToList();
        await DropAsync(prefix);
    }

    public async Task<(Verdict Verdict, string Detail)> JudgeAsync(FuzzCase fuzzCase)
    {
        var prefix = $"fz{fuzzCase.Seed:x8}_";
        var observer = new RecordingObserver();
        using var cancel = new CancellationTokenSource();
        var request = Request(fuzzCase.Source, fuzzCase.Root, prefix, verifyFirst: fuzzCase.Seed % 2 == 0);
        var run = Task.Run(() => new RestoreRunner(observer).RunAsync(request, cancel.Token));
        if (await Task.WhenAny(run, Task.Delay(timeout)) != run)
        {
            cancel.Cancel();
            return (Verdict.Hang, $"no outcome after {timeout.TotalSeconds:N0} s");
        }
        try
        {
            var outcome = await run;
            return await JudgeOutcomeAsync(fuzzCase, outcome, observer);
        }
        catch (MongoBackupException e)
        {
            if (!Names(fuzzCase, e.Message)) return (Verdict.Unexpected, $"{e.ErrorId} names no file of the input: {e.Message}");
            return fuzzCase.DamagedNamespace is { } damaged
                ? (Verdict.Collateral, $"the whole restore was refused for damage to a file of {damaged}: {e.Message}")
                : (Verdict.Refused, e.Message);
        }
        catch (Exception e)
        {
            return (Verdict.Crash, e.ToString());
        }
        finally
        {
            await DropAsync(prefix);
        }
    }

    private async Task<(Verdict, string)> JudgeOutcomeAsync(FuzzCase fuzzCase, RestoreOutcome outcome, RecordingObserver observer)
    {
        foreach (var (ns, error) in observer.Failures)
        {
            // The server's refusal: a command it refused, or documents of the namespace (counted in its result).
            var serverRefused = error.ErrorId == ErrorIds.NamespaceRestoreFailed
                && (error.InnerException is MongoException || outcome.Namespaces.Any(n => n.TargetNamespace == ns && n.Failures > 0));
            var namedDamage = error.ErrorId == ErrorIds.CorruptFile && Names(fuzzCase, error.Message);
            if (!serverRefused && !namedDamage)
                return (Verdict.Unexpected, $"{error.ErrorId}: {error.Message} ({error.InnerException?.GetType().Name})");
        }
        foreach (var result in outcome.Namespaces.Where(n => n.Succeeded && n.Type != "view"))
        {
            if (!fuzzCase.Expectations.TryGetValue(result.SourceNamespace, out var expected) || expected is Expected.Anything) continue;
            var restored = await RestoredAsync(result);
            var documents = ((Expected.Exactly)expected).Documents;
            if (!DocumentKeys.Same(documents, restored))
                return (Verdict.SilentPartial, $"{result.SourceNamespace} reported restored with {restored.Count} documents; the input holds {documents.Count}");
        }
        if (outcome.Succeeded)
        {
            var missing = fuzzCase.Expectations.Keys.Except(outcome.Namespaces.Select(n => n.SourceNamespace)).ToList();
            if (missing.Count > 0) return (Verdict.SilentPartial, $"success reported without {string.Join(", ", missing)}");
        }
        if (fuzzCase.DamagedNamespace is { } damaged)
            foreach (var ns in fuzzCase.Expectations.Keys.Where(ns => ns != damaged))
                if (outcome.Namespaces.FirstOrDefault(n => n.SourceNamespace == ns) is not { Succeeded: true })
                    return (Verdict.Collateral, $"{ns} was not restored for damage to a file of {damaged}: " +
                                                (outcome.Namespaces.FirstOrDefault(n => n.SourceNamespace == ns)?.Error ?? "it was left out"));
        return outcome.Succeeded ? (Verdict.Restored, "") : (Verdict.Refused, string.Join("; ", outcome.Namespaces.Select(n => n.Error).OfType<string>()));
    }

    /// <summary>An error names the input when it names its folder, archive, repository or snapshot.</summary>
    private static bool Names(FuzzCase fuzzCase, string message) =>
        message.Contains(fuzzCase.Root, StringComparison.Ordinal)
        || fuzzCase.Source.SnapshotId is { } id && message.Contains(id, StringComparison.Ordinal);

    private RestoreRequest Request(FuzzSeed seed, string input, string prefix, bool verifyFirst) => new()
    {
        Connection = Connection,
        SourcePath = seed.Kind == SeedKind.Snapshot ? "" : input,
        Snapshot = seed.Kind == SeedKind.Snapshot ? new RepositorySnapshot(new FolderRepository(input), seed.SnapshotId!) : null,
        Encryption = seed.Keys, VerifyBeforeRestore = verifyFirst, NoOplogReplay = true,
        Map = new NamespaceMap().Add("*.*", prefix + "*.*"), ParallelCollections = 2, InsertionWorkers = 1,
    };

    private async Task<List<byte[]>> RestoredAsync(NamespaceRestoreResult result)
    {
        var dot = result.TargetNamespace.IndexOf('.');
        var collection = result.Type == "timeseries" ? "system.buckets." + result.TargetNamespace[(dot + 1)..] : result.TargetNamespace[(dot + 1)..];
        var documents = await server.Client.GetDatabase(result.TargetNamespace[..dot]).GetCollection<RawBsonDocument>(collection)
            .Find(FilterDefinition<RawBsonDocument>.Empty).ToListAsync();
        return documents.Select(d => { using (d) return d.ToBson(); }).ToList();
    }

    private async Task DropAsync(string prefix)
    {
        foreach (var name in await (await server.Client.ListDatabaseNamesAsync()).ToListAsync())
            if (name.StartsWith(prefix, StringComparison.Ordinal)) await server.Client.DropDatabaseAsync(name);
    }
}
