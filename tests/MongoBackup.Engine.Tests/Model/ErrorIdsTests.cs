using System.Reflection;

namespace MongoBackup.Engine.Tests.Model;

public class ErrorIdsTests
{
    public static TheoryData<string, string> Ids()
    {
        var ids = new TheoryData<string, string>();
        foreach (var field in typeof(ErrorIds).GetFields(BindingFlags.Public | BindingFlags.Static))
            ids.Add(field.Name, (string)field.GetValue(null)!);
        return ids;
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void The_id_a_user_sees_is_the_name_it_has_in_the_code(string name, string id) =>
        Assert.Equal("MongoBackup." + name, id);

    [Fact]
    public void Every_id_means_one_thing()
    {
        var values = Ids().Select(row => (string)row[1]).ToList();
        Assert.Equal(values.Count, values.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }
}
