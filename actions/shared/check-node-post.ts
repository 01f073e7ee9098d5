// Imported first by every post entry: a post step on a Node.js older than the bundles need
// warns and ends at once, before any other module of the bundle is evaluated.
import { stopOnOldNode } from './node-version';

stopOnOldNode('post');
