"""keras.tree: the examples in Keras 3's tree_api docstrings, plus the error cases it raises."""
import collections

import pytest

import minikeras as keras

tree = keras.tree
Foo = collections.namedtuple("Foo", ["a", "b"])


def test_keras_tree_is_a_submodule():
    import minikeras.tree
    assert keras.tree is minikeras.tree


def test_is_nested():
    assert not tree.is_nested(42) and not tree.is_nested(None) and not tree.is_nested("ab")
    assert tree.is_nested({"foo": 42}) and tree.is_nested(Foo(1, 2))
    assert tree.is_nested(collections.deque([1]))


def test_flatten_orders_dicts_by_key_and_ordered_dicts_by_insertion():
    assert tree.flatten([[1, 2, 3], [4, [5], [[6]]]]) == [1, 2, 3, 4, 5, 6]
    assert tree.flatten(None) == [None] and tree.flatten(1) == [1]
    assert tree.flatten({100: "world!", 6: "Hello"}) == ["Hello", "world!"]
    assert tree.flatten(collections.OrderedDict([("b", 1), ("a", 2)])) == [1, 2]


def test_flatten_with_path():
    assert tree.flatten_with_path([{"foo": 42}]) == [((0, "foo"), 42)]
    assert tree.flatten_with_path(7) == [((), 7)]


def test_map_structure_keeps_types_and_maps_several_structures():
    structure = [[1], [2], [3]]
    assert tree.map_structure(lambda v: v ** 2, structure) == [[1], [4], [9]]
    assert tree.map_structure(lambda x, y: x * y, structure, structure) == [[1], [4], [9]]
    assert tree.map_structure(lambda v: v * 2, Foo(a=1, b=2)) == Foo(a=2, b=4)
    out = tree.map_structure(lambda v: -v, {"z": 1, "a": 2})
    assert list(out) == ["z", "a"] and out == {"z": -1, "a": -2}  # key order kept


def test_map_structure_none_is_leaf():
    assert tree.map_structure(lambda v: 0, [None, 1]) == [0, 0]
    assert tree.map_structure(lambda v: 0, [None, 1], none_is_leaf=False) == [None, 0]


@pytest.mark.parametrize("a, b", [([1, 2], (1, 2)), ([1, 2], [1, 2, 3]), ({"a": 1}, {"b": 1}),
                                  ([1, [2]], [1, 2]), (Foo(0, 1), (0, 1))])
def test_mismatched_structures_raise(a, b):
    with pytest.raises(ValueError, match="same nested structure"):
        tree.map_structure(lambda *v: None, a, b)
    with pytest.raises(ValueError, match="same nested structure"):
        tree.assert_same_structure(a, b)


def test_map_structure_without_structures_raises():
    with pytest.raises(ValueError, match="at least one structure"):
        tree.map_structure(len)


def test_assert_same_structure_accepts_matching_and_warns_on_check_types():
    tree.assert_same_structure([(0, 1)], [(2, 3)])
    tree.assert_same_structure({"a": 1}, collections.OrderedDict(a=2))
    with pytest.warns(DeprecationWarning, match="check_types"):
        tree.assert_same_structure([0], [1], check_types=True)


def test_assert_same_paths_ignores_container_types():
    tree.assert_same_paths([0, 1], (2, 3))
    tree.assert_same_paths(Foo(0, 1), collections.namedtuple("Point", "x y")(2, 3))
    with pytest.raises(ValueError, match=r"Paths in `a` missing in `b`:\n\{\(2,\)\}"):
        tree.assert_same_paths([0, 1, 2], [0, 1])


def test_map_structure_up_to():
    structure = [[1, 1], [2, 2]]
    assert tree.map_structure_up_to([None, None], len, structure) == [2, 2]
    assert tree.map_structure_up_to([None, [None, None]], str, structure) == \
        ["[1, 1]", ["2", "2"]]
    with pytest.raises(ValueError, match="same nested structure"):
        tree.map_structure_up_to([None, [None]], str, [1, 2])


def test_pack_sequence_as():
    structure = {"key3": "", "key1": "", "key2": ""}
    assert tree.pack_sequence_as(structure, ["value1", "value2", "value3"]) == \
        {"key3": "value3", "key1": "value1", "key2": "value2"}
    assert tree.pack_sequence_as((("a", "b"), ("c", "d", "e"), "f"), [1, 2, 3, 4, 5, 6]) == \
        ((1, 2), (3, 4, 5), 6)
    nested = {"key3": {"c": ("alpha", "beta"), "a": "gamma"}, "key1": {"e": "v", "d": "v"}}
    assert tree.pack_sequence_as(nested, ["val2", "val1", 3.0, 1.0, 2.0]) == \
        {"key3": {"c": (1.0, 2.0), "a": 3.0}, "key1": {"e": "val1", "d": "val2"}}
    assert tree.pack_sequence_as(7, [8]) == 8


def test_pack_sequence_as_bad_inputs():
    with pytest.raises(ValueError, match="2 leaves but flat_sequence has 3"):
        tree.pack_sequence_as([0, 0], [1, 2, 3])
    with pytest.raises(TypeError, match="list or tuple"):
        tree.pack_sequence_as([0], 5)


def test_traverse_top_down_and_bottom_up_visit_orders():
    seen = []
    structure = [(1, 2), [3], {"a": 4}]
    assert tree.traverse(seen.append, structure, top_down=True) == structure
    assert seen == [structure, (1, 2), 1, 2, [3], 3, {"a": 4}, 4]
    seen = []
    assert tree.traverse(seen.append, structure, top_down=False) == structure
    assert seen == [1, 2, (1, 2), 3, [3], 4, {"a": 4}, structure]


def test_traverse_replaces_and_map_to_none():
    out = tree.traverse(lambda s: tree.MAP_TO_NONE if s == (1, 2) else None, [(1, 2), 3])
    assert out == [None, 3]
    with pytest.raises(TypeError, match="callable"):
        tree.traverse(3, [1])


def test_lists_to_tuples_and_map_shape_structure():
    assert tree.lists_to_tuples([1, [2, {"a": [3]}]]) == (1, (2, {"a": (3,)}))
    shapes = {"x": (None, 3), "y": [(2,), [4, 5]]}
    assert tree.map_shape_structure(len, shapes) == {"x": 2, "y": [1, 2]}
