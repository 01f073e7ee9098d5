// Imported first by every main entry: a main step on a Node.js older than the bundles need
// fails at once, before any other module of the bundle is evaluated.
import { stopOnOldNode } from './node-version';

stopOnOldNode('main');
