import '../../shared/check-node-main';
import { run } from './main';

void run();
