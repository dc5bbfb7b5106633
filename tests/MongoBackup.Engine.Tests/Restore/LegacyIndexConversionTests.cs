using MongoBackup.Engine.Restore;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Restore;

/// <summary>
/// The conversion as mongo-tools 100.11 common/bsonutil/indexes.go makes it (ConvertLegacyIndexKeys, IsIndexKeysEqual,
/// ConvertLegacyIndexOptions): which key values become int 1 and which are left for the server to judge.
/// </summary>
public sealed class LegacyIndexConversionTests
{
    [Theory]
    [InlineData("{a: true}", "{a: 1}")]
    [InlineData("{a: false}", "{a: 1}")]
    [InlineData("{a: null}", "{a: 1}")]
    [InlineData("{a: {}}", "{a: 1}")]
    [InlineData("{a: ''}", "{a: 1}")]
    [InlineData("{a: 0}", "{a: 1}")]
    [InlineData("{a: NumberLong(0)}", "{a: 1}")]
    [InlineData("{a: 0.0}", "{a: 1}")]
    [InlineData("{a: 1e-10}", "{a: 1}")] // within mongo-tools' epsilon of 0
    [InlineData("{a: NumberDecimal('0')}", "{a: 1}")]
    [InlineData("{a: NumberDecimal('-0.00')}", "{a: 1}")]
    [InlineData("{a: -1, b: 'hashed'}", "{a: -1, b: 'hashed'}")]
    [InlineData("{a: 'hashed '}", "{a: 'hashed '}")] // an unknown plugin stays, for the server to refuse
    [InlineData("{a: NaN}", "{a: NaN}")]
    [InlineData("{a: NumberDecimal('NaN')}", "{a: NumberDecimal('NaN')}")]
    [InlineData("{a: 1.0, b: true, c: NumberDecimal('0'), d: ''}", "{a: 1.0, b: 1, c: 1, d: 1}")] // indextestdump's
    public void Each_legacy_value_becomes_int_1_and_others_stay(string key, string converted)
    {
        var result = LegacyIndexConversion.ConvertedKey(BsonDocument.Parse(key));

        var expected = BsonDocument.Parse(converted);
        Assert.Equal(expected.ToJson(), result.ToJson()); // as JSON: a NaN equals no NaN
        Assert.Equal(expected.Values.Select(v => v.BsonType), result.Values.Select(v => v.BsonType));
    }

    [Fact]
    public void A_spec_converted_onto_a_kept_key_is_left_out_and_the_originals_are_untouched()
    {
        var specs = new[]
        {
            BsonDocument.Parse("{v: 1, key: {a: 1}, name: 'a_1'}"),
            BsonDocument.Parse("{v: 1, key: {a: true}, name: 'a_true'}"),
            // Within 1e-9 of a_1's key, but neither was converted: both are built (mongorestore would leave this one out).
            BsonDocument.Parse("{v: 1, key: {a: 1.0000000001}, name: 'a_close'}"),
        };
        var warnings = new List<string>();

        var result = LegacyIndexConversion.Convert(specs, "db.c", stripUnknownOptions: false, _ => { }, warnings.Add);

        Assert.Equal(["a_1", "a_close"], result.Select(s => s["name"].AsString));
        Assert.Equal(true, specs[1]["key"]["a"].AsBoolean);
        Assert.Contains("db.c: index a_true was not restored", Assert.Single(warnings));
    }

    [Fact]
    public void Unknown_options_are_removed_only_for_a_server_without_ignoreUnknownIndexOptions()
    {
        var spec = BsonDocument.Parse("{v: 1, key: {a: true}, name: 'a_true', ns: 'db.c', safe: true, dropDups: true, unique: true}");
        var reports = new List<string>();

        var stripped = Assert.Single(LegacyIndexConversion.Convert([spec], "db.c", stripUnknownOptions: true, reports.Add, _ => { }));
        var kept = Assert.Single(LegacyIndexConversion.Convert([spec], "db.c", stripUnknownOptions: false, _ => { }, _ => { }));

        Assert.Equal(BsonDocument.Parse("{v: 1, key: {a: 1}, name: 'a_true', ns: 'db.c', unique: true}"), stripped);
        Assert.Contains(reports, r => r.Contains("options the server does not know removed (safe, dropDups"));
        Assert.True(kept.Contains("safe"));
    }
}
