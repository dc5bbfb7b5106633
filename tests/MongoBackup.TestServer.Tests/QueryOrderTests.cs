using MongoBackup.TestServer.Query;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Tests;

public class QueryOrderTests
{
    private static readonly BsonValueOrder Order = BsonValueOrder.Instance;

    [Fact]
    public void Types_sort_in_MongoDB_canonical_order()
    {
        var ascending = new BsonValue[]
        {
            BsonMinKey.Value,
            BsonNull.Value,
            new BsonInt32(-5),
            new BsonString("abc"),
            new BsonDocument("a", 1),
            new BsonArray { 1 },
            new BsonBinaryData([1, 2]),
            ObjectId.Parse("507f1f77bcf86cd799439011"),
            BsonBoolean.False,
            new BsonDateTime(0),
            new BsonTimestamp(1, 1),
            new BsonRegularExpression("a", "i"),
            BsonMaxKey.Value,
        };
        for (var i = 0; i + 1 < ascending.Length; i++)
        {
            Assert.True(Order.Compare(ascending[i], ascending[i + 1]) < 0, $"{ascending[i]} should sort before {ascending[i + 1]}");
            Assert.True(Order.Compare(ascending[i + 1], ascending[i]) > 0);
        }
        var shuffled = ascending.Reverse().ToList();
        Assert.Equal(ascending.Select(v => v.BsonType), shuffled.OrderBy(v => v, Order).Select(v => v.BsonType));
    }

    [Fact]
    public void Numbers_of_all_types_compare_by_value()
    {
        Assert.Equal(0, Order.Compare(1, 1L));
        Assert.Equal(0, Order.Compare(1, 1.0));
        Assert.Equal(0, Order.Compare(new BsonDecimal128(Decimal128.Parse("1.00")), 1));
        Assert.True(Order.Compare(2, 1.5) > 0);
        Assert.True(Order.Compare(new BsonDecimal128(Decimal128.Parse("2.5")), 3L) < 0);
        Assert.True(Order.Compare(-0.5, 0) < 0);
        Assert.Equal(0, Order.Compare(-0.0, 0));
    }

    [Fact]
    public void Long_and_double_compare_exactly_beyond_double_precision()
    {
        const long big = (1L << 53) + 1; // not representable as a double
        Assert.True(Order.Compare(big, (double)(1L << 53)) > 0);
        Assert.True(Order.Compare((double)(1L << 53), big) < 0);
        Assert.True(Order.Compare(long.MaxValue, 9223372036854775808.0) < 0);
        Assert.True(Order.Compare(long.MinValue, -9223372036854775808.0) == 0);
    }

    [Fact]
    public void NaN_is_the_smallest_number_and_equals_itself()
    {
        Assert.True(Order.Compare(double.NaN, double.NegativeInfinity) < 0);
        Assert.True(Order.Compare(double.NaN, long.MinValue) < 0);
        Assert.Equal(0, Order.Compare(double.NaN, double.NaN));
        Assert.Equal(0, Order.Compare(new BsonDecimal128(Decimal128.QNaN), double.NaN));
        Assert.True(Order.Compare(double.NaN, BsonNull.Value) > 0);
    }

    [Fact]
    public void Equal_numbers_hash_alike()
    {
        var set = new HashSet<BsonValue>(Order) { 1, 1L, 1.0, new BsonDecimal128(Decimal128.Parse("1.0")) };
        Assert.Single(set);
        Assert.Equal(Order.GetHashCode(0.0), Order.GetHashCode(-0.0));
        Assert.Equal(Order.GetHashCode(new BsonDocument("a", 1)), Order.GetHashCode(new BsonDocument("a", 1.0)));
        Assert.True(Order.Equals(new BsonDocument("a", 1), new BsonDocument("a", 1L)));
    }

    [Fact]
    public void Null_and_undefined_are_equal_and_symbol_equals_string()
    {
        Assert.Equal(0, Order.Compare(BsonNull.Value, BsonUndefined.Value));
        Assert.Equal(Order.GetHashCode(BsonNull.Value), Order.GetHashCode(BsonUndefined.Value));
        Assert.Equal(0, Order.Compare(BsonSymbol.Create("x"), new BsonString("x")));
    }

    [Fact]
    public void Strings_compare_by_UTF8_bytes_not_UTF16_units()
    {
        // U+FF61 is 0xEF.. in UTF-8; U+1F600 (a surrogate pair in UTF-16) is 0xF0.., so it sorts after.
        Assert.True(Order.Compare("\uFF61", "\U0001F600") < 0);
        Assert.True(string.CompareOrdinal("\uFF61", "\U0001F600") > 0, "ordinal UTF-16 order differs, which is why this matters");
        Assert.True(Order.Compare("B", "a") < 0, "binary order: upper case first");
        Assert.True(Order.Compare("ab", "abc") < 0);
    }

    [Fact]
    public void Documents_compare_field_by_field_with_type_then_name_then_value()
    {
        Assert.True(Order.Compare(new BsonDocument("a", 1), new BsonDocument("b", 0)) < 0);
        Assert.True(Order.Compare(new BsonDocument("b", 1), new BsonDocument("a", "x")) < 0, "a number field sorts before a string field whatever the names");
        Assert.True(Order.Compare(new BsonDocument("a", 1), new BsonDocument { { "a", 1 }, { "b", 1 } }) < 0);
        Assert.NotEqual(0, Order.Compare(new BsonDocument { { "a", 1 }, { "b", 2 } }, new BsonDocument { { "b", 2 }, { "a", 1 } }));
    }

    [Fact]
    public void Arrays_compare_element_by_element()
    {
        Assert.True(Order.Compare(new BsonArray { 1, 2 }, new BsonArray { 1, 3 }) < 0);
        Assert.True(Order.Compare(new BsonArray { 1 }, new BsonArray { 1, 0 }) < 0);
        Assert.True(Order.Compare(new BsonArray { 5 }, new BsonArray { "a" }) < 0);
    }

    [Fact]
    public void Binary_compares_by_length_then_subtype_then_bytes()
    {
        var shortUserDefined = new BsonBinaryData([9], BsonBinarySubType.UserDefined);
        var longGeneric = new BsonBinaryData([0, 0], BsonBinarySubType.Binary);
        Assert.True(Order.Compare(shortUserDefined, longGeneric) < 0);
        Assert.True(Order.Compare(new BsonBinaryData([9], BsonBinarySubType.Binary), shortUserDefined) < 0);
        Assert.True(Order.Compare(new BsonBinaryData([1]), new BsonBinaryData([2])) < 0);
    }

    [Fact]
    public void Timestamps_compare_unsigned_and_dates_signed()
    {
        Assert.True(Order.Compare(new BsonTimestamp(1, 5), new BsonTimestamp(unchecked((int)0x80000000), 0)) < 0);
        Assert.True(Order.Compare(new BsonDateTime(-1), new BsonDateTime(0)) < 0);
    }

    [Fact]
    public void Order_is_a_consistent_total_order_on_random_values()
    {
        var random = new Random(7);
        var values = Enumerable.Range(0, 300).Select(_ => RandomValue(random)).ToList();
        foreach (var a in values)
            foreach (var b in values.Take(60))
            {
                var ab = Math.Sign(Order.Compare(a, b));
                Assert.Equal(-ab, Math.Sign(Order.Compare(b, a)));
                if (ab == 0) Assert.Equal(Order.GetHashCode(a), Order.GetHashCode(b));
            }
        var sorted = values.OrderBy(v => v, Order).ToList();
        for (var i = 0; i + 1 < sorted.Count; i++)
            Assert.True(Order.Compare(sorted[i], sorted[i + 1]) <= 0);
    }

    private static BsonValue RandomValue(Random random) => random.Next(6) switch
    {
        0 => random.Next(-3, 4),
        1 => (long)random.Next(-3, 4),
        2 => random.Next(-6, 7) / 2.0,
        3 => new BsonDecimal128(new Decimal128(random.Next(-6, 7) / 2m)),
        _ => RandomDocuments.Value(random, 1),
    };

    private static List<int> SortIds(string sort, params string[] docs) =>
        SortOrder.Parse(BsonDocument.Parse(sort)).Sort(docs.Select(BsonDocument.Parse)).Select(d => d["_id"].AsInt32).ToList();

    [Fact]
    public void Sort_uses_several_keys_and_directions()
    {
        Assert.Equal([3, 1, 2], SortIds("{a: 1, b: -1}", "{_id: 1, a: 2, b: 1}", "{_id: 2, a: 2, b: 0}", "{_id: 3, a: 1, b: 5}"));
    }

    [Fact]
    public void Sort_treats_missing_as_null_and_keeps_input_order_for_ties()
    {
        Assert.Equal([2, 4, 1, 3], SortIds("{a: 1}", "{_id: 1, a: 1}", "{_id: 2}", "{_id: 3, a: 'x'}", "{_id: 4, a: null}"));
    }

    [Fact]
    public void Array_fields_sort_by_their_smallest_element_ascending_and_largest_descending()
    {
        var docs = new[] { "{_id: 1, a: [1, 10]}", "{_id: 2, a: 5}", "{_id: 3, a: [3, 4]}" };
        Assert.Equal([1, 3, 2], SortIds("{a: 1}", docs));
        Assert.Equal([1, 2, 3], SortIds("{a: -1}", docs));
    }

    [Fact]
    public void Empty_array_sorts_before_null()
    {
        Assert.Equal([2, 1, 3], SortIds("{a: 1}", "{_id: 1, a: null}", "{_id: 2, a: []}", "{_id: 3, a: 0}"));
    }

    [Fact]
    public void Sort_follows_dotted_paths_into_arrays_of_documents()
    {
        Assert.Equal([2, 1], SortIds("{'a.b': 1}", "{_id: 1, a: [{b: 5}, {b: 7}]}", "{_id: 2, a: [{b: 9}, {b: 2}]}"));
    }

    [Fact]
    public void Sort_and_the_comparer_agree_on_random_documents()
    {
        var random = new Random(11);
        var docs = Enumerable.Range(0, 400).Select(i =>
        {
            var d = RandomDocuments.Document(random, 1);
            d.InsertAt(0, new BsonElement("_id", i));
            return d;
        }).ToList();
        foreach (var spec in new[] { "{a: 1}", "{b: -1, a: 1}", "{'c.d': 1}", "{'sa.0': -1, e: 1}" })
        {
            var order = SortOrder.Parse(BsonDocument.Parse(spec));
            Assert.Equal(docs.OrderBy(d => d, order).Select(d => d["_id"]), order.Sort(docs).Select(d => d["_id"]));
        }
    }

    [Fact]
    public void Bad_sort_direction_is_rejected()
    {
        var e = Assert.Throws<CommandFailure>(() => SortOrder.Parse(BsonDocument.Parse("{a: 2}")));
        Assert.Equal(15975, e.Code);
    }
}
