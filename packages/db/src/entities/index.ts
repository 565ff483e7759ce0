import { Item } from './item.entity';
import { User } from './user.entity';

export * from './item.entity';
export * from './user.entity';

export const entities = [User, Item];
