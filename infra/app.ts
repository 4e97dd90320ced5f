#!/usr/bin/env node
// Entry point of `cdk synth|deploy` (see cdk.json). The App synthesizes itself when the process exits.
import { buildApp } from './build-app';

buildApp();
