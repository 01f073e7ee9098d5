import '../../shared/check-node-post';
import { run } from './cleanup';

void run();
