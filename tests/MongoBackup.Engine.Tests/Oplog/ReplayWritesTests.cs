using MongoBackup.Engine.Oplog.Replay;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Oplog;

/// <summary>What a replay notes as written, which decides whether a restore counts a time-series collection again.</summary>
public sealed class ReplayWritesTests
{
    private static BsonDocument Op(string op, string ns, string o) => new() { { "op", op }, { "ns", ns }, { "o", BsonDocument.Parse(o) } };

    [Fact]
    public void A_write_to_a_buckets_collection_touches_its_time_series_collection_and_nothing_else()
    {
        var written = new ReplayWrites();
        written.Note(Op("i", "db.system.buckets.weather", "{_id: 1}"));
        Assert.True(written.Touched("db.weather"));
        Assert.False(written.Touched("db.other"));
        Assert.False(written.Touched("db2.weather"));
    }

    [Fact]
    public void A_command_touches_the_collection_it_names_in_its_database()
    {
        var written = new ReplayWrites();
        written.Note(Op("c", "db.$cmd", "{drop: 'system.buckets.weather'}"));
        written.Note(Op("c", "db.$cmd", "{collMod: 'a.b'}")); // a collection's name may hold dots
        Assert.True(written.Touched("db.weather"));
        Assert.True(written.Touched("db.a.b"));
        Assert.False(written.Touched("a.b"));
    }

    [Fact]
    public void A_rename_touches_both_namespaces_and_a_command_of_unknown_shape_its_whole_database()
    {
        var written = new ReplayWrites();
        written.Note(Op("c", "db.$cmd", "{renameCollection: 'db.old', to: 'other.weather'}"));
        Assert.True(written.Touched("db.old"));
        Assert.True(written.Touched("other.weather"));
        Assert.False(written.Touched("db.weather"));

        written.Note(Op("c", "third.$cmd", "{someCommand: 1}"));
        Assert.True(written.Touched("third.anything"));
    }
}
