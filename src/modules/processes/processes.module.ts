import { Module } from '@nestjs/common';
import { ChildProcesses } from './child-processes.js';

@Module({ providers: [ChildProcesses], exports: [ChildProcesses] })
export class ProcessesModule {}
