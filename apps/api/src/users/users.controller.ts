import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { userSchema, type UserView } from '../auth/auth.schemas';
import { CurrentUser } from '../auth/current-user.decorator';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import { errors, Operation } from '../common/api-operation.decorator';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
@UseGuards(JwtAuthGuard)
export class UsersController {
  @Get('me')
  @Operation({
    id: 'getMe',
    summary: 'The user the bearer token belongs to',
    responses: { 200: { description: 'The caller', schema: userSchema }, ...errors(401) },
  })
  me(@CurrentUser() user: UserView): UserView {
    return user;
  }
}
