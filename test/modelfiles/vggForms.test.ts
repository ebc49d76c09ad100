// The VGG-like classifier (MaxPool, LRN, reshape-flatten, FC stack, Dropout) in every file form of the corpus.
import { corpusTests } from './corpus.js';

corpusTests('vgg', ['gradcam', 'gradcam++', 'reciprocam']);
