using MongoBackup.Engine.Restore;

namespace MongoBackup.Engine.Tests.Restore;

/// <summary>
/// What a stopped restore says it left, now that the oplog is replayed between the documents and the indexes: a
/// namespace is whole only once its indexes are built after the replay, and a replay under way is said.
/// </summary>
public sealed class RestoreInterruptionTests
{
    private static RestoreOutcome Outcome(bool replayBegun, params (string Name, NamespaceRestoreStage Stage, long Documents)[] namespaces)
    {
        var outcome = new RestoreOutcome("snapshot s1", "mongodb://target", DateTimeOffset.UtcNow) { OplogReplayBegun = replayBegun };
        foreach (var (name, stage, documents) in namespaces)
            outcome.Namespaces.Add(new NamespaceRestoreResult("src." + name, "dst." + name, "collection") { Stage = stage, Documents = documents });
        return outcome;
    }

    [Fact]
    public void Stopped_during_the_replay_every_namespace_holds_its_documents_and_none_is_whole_yet()
    {
        var said = RestoreInterruption.Describe(Outcome(true, ("a", NamespaceRestoreStage.DataRestored, 10), ("b", NamespaceRestoreStage.DataRestored, 1200)));

        Assert.Contains("Restored in part: dst.a (all 10 documents, indexes not built), dst.b (all 1,200 documents, indexes not built).", said);
        Assert.DoesNotContain("Restored whole", said);
        Assert.Contains("The oplog replay had begun; it runs again from its start, as it is idempotent.", said);
        Assert.Contains("-Resume", said);
    }

    [Fact]
    public void Stopped_while_inserting_says_nothing_of_a_replay_and_names_what_was_begun_empty_and_what_not_at_all()
    {
        var said = RestoreInterruption.Describe(Outcome(false, ("a", NamespaceRestoreStage.IndexesBuilt, 10), ("b", NamespaceRestoreStage.Created, 40),
            ("c", NamespaceRestoreStage.Created, 0), ("d", NamespaceRestoreStage.NotStarted, 0)));

        Assert.Contains("Restored whole: dst.a.", said);
        Assert.Contains("Restored in part: dst.b (40 documents so far).", said);
        // c's target collection was created (it exists, empty): begun, not "not begun".
        Assert.Contains("Begun, created empty with no documents yet: dst.c.", said);
        Assert.Contains("Not begun: dst.d.", said);
        Assert.DoesNotContain("The oplog replay had begun", said);
    }
}
