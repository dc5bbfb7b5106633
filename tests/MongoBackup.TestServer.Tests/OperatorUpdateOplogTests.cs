using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// The exact "o" an operator update is logged with, per operator form. mongod builds the $v: 2 delta from the paths each
/// operator touched, not by comparing the document before and after (src/mongo/db/update/v2_log_builder.cpp;
/// the forms per operator: modifier_node.cpp, unset_node.cpp, push_node.cpp, addtoset_node.cpp,
/// array_culling_node.cpp for $pull/$pullAll/$pop, rename_node.cpp; the field names in document_diff_serialization.h).
/// A restore replays these entries, and through a mongos translates them into operators, so the forms must be mongod's.
/// Runs against MONGOBACKUP_TEST_URI when set.
/// </summary>
public class OperatorUpdateOplogTests : ServerTestBase
{
    /// <summary>Before, update, after, and the logged diff.</summary>
    public static TheoryData<string, string, string, string> Forms => new()
    {
        // A nested $set of an existing field: a sub-diff of the parent, not the parent replaced.
        { "{a: {b: 0, c: 'kept'}}", "{$set: {'a.b': 1}}", "{a: {b: 1, c: 'kept'}}", "{sa: {u: {b: 1}}}" },
        // $set of a whole sub-document is one update of that field, however little of it changed.
        { "{a: {b: 0, c: 'kept'}}", "{$set: {a: {b: 1, c: 'kept'}}}", "{a: {b: 1, c: 'kept'}}", "{u: {a: {b: 1, c: 'kept'}}}" },
        // A created path is inserted from its first new component.
        { "{}", "{$set: {'x.y.z': 1}}", "{x: {y: {z: 1}}}", "{i: {x: {y: {z: 1}}}}" },
        { "{a: {b: 0}}", "{$set: {'a.c': 1}}", "{a: {b: 0, c: 1}}", "{sa: {i: {c: 1}}}" },
        // Setting an element past the end pads with nulls; only the element set is logged.
        { "{arr: [1]}", "{$set: {'arr.3': 4}}", "{arr: [1, null, null, 4]}", "{sarr: {a: true, u3: 4}}" },
        { "{arr: [{x: 0}]}", "{$set: {'arr.2.x': 1}}", "{arr: [{x: 0}, null, {x: 1}]}", "{sarr: {a: true, u2: {x: 1}}}" },
        { "{arr: [{x: 0}, {x: 0}]}", "{$set: {'arr.1.x': 1}}", "{arr: [{x: 0}, {x: 1}]}", "{sarr: {a: true, s1: {u: {x: 1}}}}" },
        { "{arr: [{x: 0}, {x: 5}]}", "{$set: {'arr.$[].x': 5}}", "{arr: [{x: 5}, {x: 5}]}", "{sarr: {a: true, s0: {u: {x: 5}}}}" },
        // $unset removes a field ("d"), and sets an array element to null ("u").
        { "{a: {b: 0, c: 1}}", "{$unset: {'a.b': 1}}", "{a: {c: 1}}", "{sa: {d: {b: false}}}" },
        { "{arr: [1, 2, 3]}", "{$unset: {'arr.1': 1}}", "{arr: [1, null, 3]}", "{sarr: {a: true, u1: null}}" },
        { "{a: {n: 1}}", "{$inc: {'a.n': 1}}", "{a: {n: 2}}", "{sa: {u: {n: 2}}}" },
        { "{arr: [1, 2]}", "{$inc: {'arr.0': 5}}", "{arr: [6, 2]}", "{sarr: {a: true, u0: 6}}" },
        { "{a: {n: 2}}", "{$mul: {'a.n': 3}}", "{a: {n: 6}}", "{sa: {u: {n: 6}}}" },
        { "{a: {n: 2}}", "{$max: {'a.n': 9, 'a.m': 1}}", "{a: {n: 9, m: 1}}", "{sa: {u: {n: 9}, i: {m: 1}}}" },
        { "{a: {n: 2}}", "{$min: {'a.n': 1}}", "{a: {n: 1}}", "{sa: {u: {n: 1}}}" },
        // $push and $addToSet that only append log each new element at its index.
        { "{arr: [1, 2, 3]}", "{$push: {arr: 4}}", "{arr: [1, 2, 3, 4]}", "{sarr: {a: true, u3: 4}}" },
        { "{arr: [1, 2, 3]}", "{$push: {arr: {$each: [4, 5]}}}", "{arr: [1, 2, 3, 4, 5]}", "{sarr: {a: true, u3: 4, u4: 5}}" },
        { "{arr: [1]}", "{$addToSet: {arr: {$each: [1, 5]}}}", "{arr: [1, 5]}", "{sarr: {a: true, u1: 5}}" },
        { "{arr: []}", "{$addToSet: {arr: 7}}", "{arr: [7]}", "{sarr: {a: true, u0: 7}}" },
        // Any other $push logs the whole array: into an empty one, at a $position, sorted, or sliced.
        { "{arr: []}", "{$push: {arr: 1}}", "{arr: [1]}", "{u: {arr: [1]}}" },
        { "{arr: [1, 2]}", "{$push: {arr: {$each: [0], $position: 0}}}", "{arr: [0, 1, 2]}", "{u: {arr: [0, 1, 2]}}" },
        { "{arr: [1, 2, 3]}", "{$push: {arr: {$each: [9], $slice: -2}}}", "{arr: [3, 9]}", "{u: {arr: [3, 9]}}" },
        { "{arr: [3, 1]}", "{$push: {arr: {$each: [2], $sort: 1}}}", "{arr: [1, 2, 3]}", "{u: {arr: [1, 2, 3]}}" },
        { "{}", "{$push: {'a.list': 1}}", "{a: {list: [1]}}", "{i: {a: {list: [1]}}}" },
        // $pull, $pullAll and $pop log the whole array that is left.
        { "{arr: [1, 2, 3]}", "{$pull: {arr: 2}}", "{arr: [1, 3]}", "{u: {arr: [1, 3]}}" },
        { "{a: {arr: [1, 2, 3]}}", "{$pullAll: {'a.arr': [1, 3]}}", "{a: {arr: [2]}}", "{sa: {u: {arr: [2]}}}" },
        { "{arr: [1, 2, 3]}", "{$pop: {arr: -1}}", "{arr: [2, 3]}", "{u: {arr: [2, 3]}}" },
        // $rename: the destination is set, the source deleted.
        { "{a: 1, z: 0}", "{$rename: {a: 'b'}}", "{z: 0, b: 1}", "{d: {a: false}, i: {b: 1}}" },
        { "{p: {a: 1, z: 0}}", "{$rename: {'p.a': 'p.b'}}", "{p: {z: 0, b: 1}}", "{sp: {d: {a: false}, i: {b: 1}}}" },
        // A $rename takes its place among the operators at its destination: "a" is created before "b".
        { "{z: 0}", "{$set: {b: 1}, $rename: {z: 'a'}}", "{a: 0, b: 1}", "{d: {z: false}, i: {a: 0, b: 1}}" },
        // $bit logs through ModifierNode as $inc does (bit_node.cpp): an existing integer updated, a missing one created
        // from int 0; an int and a long give a long (SafeNum).
        { "{n: 5}", "{$bit: {n: {and: 3}}}", "{n: 1}", "{u: {n: 1}}" },
        { "{a: {n: NumberLong(1)}}", "{$bit: {'a.n': {or: 6, xor: 1}}}", "{a: {n: NumberLong(6)}}", "{sa: {u: {n: NumberLong(6)}}}" },
        { "{n: 5}", "{$bit: {n: {or: NumberLong(2)}}}", "{n: NumberLong(7)}", "{u: {n: NumberLong(7)}}" },
        { "{}", "{$bit: {'m.k': {xor: 5}}}", "{m: {k: 5}}", "{i: {m: {k: 5}}}" },
        { "{arr: [4, 8]}", "{$bit: {'arr.1': {or: 1}}}", "{arr: [4, 9]}", "{sarr: {a: true, u1: 9}}" },
        // Several operators: one delta, sections in the order deletes, updates, inserts, sub-diffs.
        { "{a: {b: 0}, c: 1, d: 1}", "{$set: {'a.b': 1, c: 2, e: 3}, $unset: {d: 1}}", "{a: {b: 1}, c: 2, e: 3}",
            "{d: {d: false}, u: {c: 2}, i: {e: 3}, sa: {u: {b: 1}}}" },
    };

    [Theory]
    [MemberData(nameof(Forms))]
    public void An_operator_update_is_logged_with_the_delta_mongod_builds_from_the_paths_it_changed(string before, string update, string after, string diff)
    {
        var db = Database("opdiff");
        var docs = db.GetCollection<BsonDocument>("docs");
        docs.InsertOne(new BsonDocument("_id", 1).AddRange(BsonDocument.Parse(before)));

        var result = docs.UpdateOne(new BsonDocument("_id", 1), BsonDocument.Parse(update));

        Assert.Equal(1, result.ModifiedCount);
        Assert.Equal(new BsonDocument("_id", 1).AddRange(BsonDocument.Parse(after)), docs.Find(new BsonDocument()).Single());
        var logged = OplogOf(db.DatabaseNamespace.DatabaseName, new BsonDocument("op", "u")).Single()["o"].AsBsonDocument;
        Assert.Equal(new BsonDocument { { "$v", 2 }, { "diff", BsonDocument.Parse(diff) } }, logged);
    }

    [Fact]
    public void An_operator_update_that_changes_nothing_is_not_logged()
    {
        var db = Database("opdiff");
        var docs = db.GetCollection<BsonDocument>("docs");
        docs.InsertOne(BsonDocument.Parse("{_id: 1, a: {b: 1}, arr: [1, 2], tags: ['x'], n: 1}"));

        var result = docs.UpdateOne(new BsonDocument("_id", 1),
            BsonDocument.Parse("{$set: {'a.b': 1}, $pull: {arr: 9}, $addToSet: {tags: 'x'}, $unset: {missing: 1}, $bit: {n: {and: 1}}}"));

        Assert.Equal(0, result.ModifiedCount);
        Assert.Empty(OplogOf(db.DatabaseNamespace.DatabaseName, new BsonDocument("op", "u")));
    }

    /// <summary>
    /// What restore's oplog replay does with these entries: applyOps of every form above, logged by the server, into a
    /// collection of another database gives the same documents.
    /// </summary>
    [Fact]
    public void Replaying_every_logged_operator_form_through_applyOps_gives_the_same_documents()
    {
        var db = Database("opdiff");
        var docs = db.GetCollection<BsonDocument>("docs");
        var id = 0;
        foreach (var form in Forms)
        {
            id++;
            docs.InsertOne(new BsonDocument("_id", id).AddRange(BsonDocument.Parse((string)form[0])));
            docs.UpdateOne(new BsonDocument("_id", id), BsonDocument.Parse((string)form[1]));
        }
        var logged = OplogOf(db.DatabaseNamespace.DatabaseName).Where(e => e["op"] == "i" || e["op"] == "u").ToList();
        Assert.Equal(id, logged.Count(e => e["op"] == "u"));

        var replay = Database("replay");
        replay.CreateCollection("docs");
        var target = replay.DatabaseNamespace.DatabaseName + ".docs";
        var reply = ApplyLoggedTo(target, logged);

        Assert.Equal(1.0, reply["ok"].ToDouble());
        Assert.Equal(docs.Find(new BsonDocument()).SortBy(d => d["_id"]).ToList(),
            replay.GetCollection<BsonDocument>("docs").Find(new BsonDocument()).SortBy(d => d["_id"]).ToList());
    }

    /// <summary>$bit arguments mongod refuses, with its words (bit_node.cpp, BitNode::init and updateExistingElement).</summary>
    [Theory]
    [InlineData("{$bit: {n: 1}}", "The $bit modifier is not compatible with a int. You must pass in an embedded document: {$bit: {field: {and/or/xor: #}}")]
    [InlineData("{$bit: {n: {nand: 1}}}", "The $bit modifier only supports 'and', 'or', and 'xor', not 'nand' which is an unknown operator")]
    [InlineData("{$bit: {n: {and: 1.5}}}", "The $bit modifier field must be an Integer(32/64 bit); a 'double' is not supported here")]
    [InlineData("{$bit: {n: {}}}", "You must pass in at least one bitwise operation. The format is: {$bit: {field: {and/or/xor: #}}")]
    [InlineData("{$bit: {s: {or: 1}}}", "Cannot apply $bit to a value of non-integral type._id: 1 has the field s of non-integer type string")]
    public void A_bit_update_mongod_refuses_fails_with_its_words(string update, string message)
    {
        var docs = Database("opdiff").GetCollection<BsonDocument>("docs");
        docs.InsertOne(BsonDocument.Parse("{_id: 1, n: 3, s: 'x'}"));

        var error = Assert.Throws<MongoWriteException>(() => docs.UpdateOne(new BsonDocument("_id", 1), BsonDocument.Parse(update)));

        Assert.Equal(2, error.WriteError.Code); // BadValue
        Assert.StartsWith(message, error.WriteError.Message);
        Assert.Equal(BsonDocument.Parse("{_id: 1, n: 3, s: 'x'}"), docs.Find(new BsonDocument()).Single());
    }
}
