// The controller's index of children by parent: a namespace noted with a parent is among its children
// until it names another, names none or is deleted; a parent need not exist to have children.
import t from 'tap';
import { ParentIndex } from '../../src/controller/parent-index.ts';

const childrenOf = (index: ParentIndex, name: string): string[] => [...index.children(name)].sort();

t.test('a namespace noted with a parent is among its children, once however often noted', async (t) => {
  const index = new ParentIndex();
  index.note('shop-cart', 'shop');
  index.note('shop-api', 'shop');
  index.note('shop-cart', 'shop');
  index.note('other', undefined);
  t.same(childrenOf(index, 'shop'), ['shop-api', 'shop-cart']);
  t.same(childrenOf(index, 'shop-cart'), [], 'a child is no parent by that');
  t.same(childrenOf(index, 'other'), []);
});

t.test('a parent that does not exist yet has its children already', async (t) => {
  const index = new ParentIndex();
  index.note('orphan', 'gone');
  t.same(childrenOf(index, 'gone'), ['orphan'], 'created under that name, it queues them');
});

t.test('a namespace with no children has an empty set', async (t) => {
  const index = new ParentIndex();
  t.same(childrenOf(index, 'shop'), [], 'never noted');
  index.note('shop', undefined);
  t.same(childrenOf(index, 'shop'), [], 'noted without a parent');
  index.note('shop-cart', 'shop');
  index.note('shop-cart', undefined);
  t.same(childrenOf(index, 'shop'), [], 'its only child left');
});

t.test('re-parenting moves the child from the old parent to the new', async (t) => {
  const index = new ParentIndex();
  index.note('cart', 'team-a');
  index.note('api', 'team-a');
  index.note('cart', 'team-b');
  t.same(childrenOf(index, 'team-a'), ['api'], 'the old parent keeps its other child');
  t.same(childrenOf(index, 'team-b'), ['cart']);
  index.note('cart', 'team-a');
  t.same(childrenOf(index, 'team-a'), ['api', 'cart'], 'and back');
  t.same(childrenOf(index, 'team-b'), []);
});

t.test('a namespace whose parent annotation is removed leaves its parent', async (t) => {
  const index = new ParentIndex();
  index.note('cart', 'shop');
  index.note('api', 'shop');
  index.note('cart', undefined);
  t.same(childrenOf(index, 'shop'), ['api']);
  index.note('cart', 'shop');
  t.same(childrenOf(index, 'shop'), ['api', 'cart'], 'annotated again, it is back');
});

t.test('a deleted namespace leaves the index as a child; a deleted parent keeps its children', async (t) => {
  const index = new ParentIndex();
  index.note('cart', 'shop');
  index.note('shop', 'company');
  // The controller notes a deleted namespace as having no parent (the state no longer holds it).
  index.note('cart', undefined);
  t.same(childrenOf(index, 'shop'), []);
  index.note('shop', undefined);
  t.same(childrenOf(index, 'company'), []);

  index.note('cart', 'shop');
  index.note('shop', undefined);
  t.same(childrenOf(index, 'shop'), ['cart'], 'cart still names shop: a shop created again is its parent');
});
