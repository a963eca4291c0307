import { test } from "uvu";
import * as assert from "uvu/assert";
import { SortedList } from "../src/sorted-list.js";
import { random } from "./random.js";

const byNumber = (a: number, b: number) => a - b;

test("sorted list - keeps items in order, refuses duplicates, deletes", () => {
  const list = new SortedList(byNumber);
  for (const n of [5, 1, 9, 3, 7]) assert.ok(list.insert(n));
  assert.not.ok(list.insert(3), "a duplicate is refused");
  assert.equal([...list.from(null)], [1, 3, 5, 7, 9]);
  assert.is(list.size, 5);
  assert.ok(list.delete(5));
  assert.not.ok(list.delete(5), "already gone");
  assert.not.ok(list.delete(4), "never there");
  assert.equal([...list.from(null)], [1, 3, 7, 9]);
  assert.is(list.first(), 1);
});

test("sorted list - from(after) starts strictly after, ceiling at or after", () => {
  const list = SortedList.fromSorted([10, 20, 30], byNumber);
  assert.equal([...list.from(20)], [30]);
  assert.equal([...list.from(15)], [20, 30]);
  assert.equal([...list.from(30)], []);
  assert.equal([...list.from(0)], [10, 20, 30]);
  assert.is(list.ceiling(20), 20);
  assert.is(list.ceiling(20, true), 30);
  assert.is(list.ceiling(25), 30);
  assert.is(list.ceiling(31), undefined);
  assert.is(new SortedList(byNumber).ceiling(1), undefined);
  assert.equal([...new SortedList(byNumber).from(1)], []);
});

test("sorted list - thousands of random inserts and deletes match a sorted array (chunks split and merge)", () => {
  const next = random(7);
  const list = new SortedList(byNumber);
  const reference = new Set<number>();
  for (let round = 0; round < 30_000; round++) {
    const n = Math.floor(next() * 5000);
    // Phases that grow, then empty most of the list, so chunks both split and fold together.
    const deleting = round % 10_000 > 6000 ? next() < 0.9 : next() < 0.3;
    if (deleting) assert.is(list.delete(n), reference.delete(n));
    else {
      const fresh = !reference.has(n);
      reference.add(n);
      assert.is(list.insert(n), fresh);
    }
    if (round % 2500 === 0) {
      const sorted = [...reference].sort(byNumber);
      assert.equal([...list.from(null)], sorted);
      const pivot = Math.floor(next() * 5000);
      assert.equal([...list.from(pivot)], sorted.filter((x) => x > pivot));
      assert.is(list.ceiling(pivot), sorted.find((x) => x >= pivot));
    }
  }
  assert.is(list.size, reference.size);
  assert.equal([...list.from(null)], [...reference].sort(byNumber));
});

test("sorted list - a bulk load reads like inserts, and takes inserts after", () => {
  const items = Array.from({ length: 3000 }, (_, i) => i * 2);
  const list = SortedList.fromSorted([...items], byNumber);
  assert.equal([...list.from(null)], items);
  list.insert(2999);
  list.delete(0);
  assert.is(list.first(), 2);
  assert.equal([...list.from(2996)], [2998, 2999, 3000, ...items.filter((x) => x > 3000)]);
});

test.run();
