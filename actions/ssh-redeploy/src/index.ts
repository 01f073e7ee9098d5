import { runMainStep } from '../../shared/step';
import { main } from './main';

runMainStep(main);
