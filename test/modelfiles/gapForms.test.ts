// The GAP-head classifier in every file form of the corpus (scripts/fixtures/makeModelFileCorpus.py).
import { corpusTests } from './corpus.js';

corpusTests('gap', ['cam', 'gradcam', 'gradcam++', 'reciprocam']);
